// Row-wise kernels over contiguous [rows, cols] float32 or float64 arrays:
//   softmax / logSoftmax(x, out, rows, cols)
//   softmaxBackward / logSoftmaxBackward(y, gy, gx, rows, cols)
//   layerNorm(x, w | null, b | null, y, mean, rstd, rows, cols, eps)
//   layerNormBackward(x, gy, w | null, mean, rstd, gx | null, gw | null, gb | null, rows, cols)
//   rmsNorm(x, w | null, y, rstd, rows, cols, eps)
//   rmsNormBackward(x, gy, w | null, rstd, gx | null, gw | null, rows, cols)
//   crossEntropy(x, target, loss, lse, rows, cols, ignoreIndex, labelSmoothing)
//   crossEntropyBackward(x, target, lse, gLoss, gx, rows, cols, ignoreIndex, labelSmoothing)
#include "binding.h"
#include "rows.h"

namespace adj {
namespace {

constexpr auto kSoftmax = kernel_def("softmax", floats("x"), floats("out"), dim("rows"), dim("cols"));
constexpr auto kLogSoftmax = kernel_def("logSoftmax", floats("x"), floats("out"), dim("rows"), dim("cols"));
constexpr auto kSoftmaxBackward = kernel_def("softmaxBackward", floats("y"), floats("gy"), floats("gx"), dim("rows"), dim("cols"));
constexpr auto kLogSoftmaxBackward = kernel_def("logSoftmaxBackward", floats("y"), floats("gy"), floats("gx"), dim("rows"), dim("cols"));
constexpr auto kCrossEntropy = kernel_def("crossEntropy", floats("x"), i32("target"), floats("loss"), floats("lse"), dim("rows"), dim("cols"), integer("ignoreIndex", INT32_MIN, INT32_MAX), number("labelSmoothing"));
constexpr auto kCrossEntropyBackward = kernel_def("crossEntropyBackward", floats("x"), i32("target"), floats("lse"), floats("gLoss"), floats("gx"), dim("rows"), dim("cols"), integer("ignoreIndex", INT32_MIN, INT32_MAX), number("labelSmoothing"));
constexpr auto kLayerNorm = kernel_def("layerNorm", floats("x"), floats_opt("w"), floats_opt("b"), floats("y"), floats("mean"), floats("rstd"), dim("rows"), dim("cols"), number("eps"));
constexpr auto kLayerNormBackward = kernel_def("layerNormBackward", floats("x"), floats("gy"), floats_opt("w"), floats("mean"), floats("rstd"), floats_opt("gx"), floats_opt("gw"), floats_opt("gb"), dim("rows"), dim("cols"));
constexpr auto kRmsNorm = kernel_def("rmsNorm", floats("x"), floats_opt("w"), floats("y"), floats("rstd"), dim("rows"), dim("cols"), number("eps"));
constexpr auto kRmsNormBackward = kernel_def("rmsNormBackward", floats("x"), floats("gy"), floats_opt("w"), floats("rstd"), floats_opt("gx"), floats_opt("gw"), dim("rows"), dim("cols"));

template <RowOp OP>
napi_value RowForward(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, OP == RowOp::Softmax ? kSoftmax : kLogSoftmax);
    const ArrayView &x = A.array(0), &out = A.array(1);
    const int64_t rows = A.integer(2), cols = A.integer(3);
    check_rows(A, {&x, &out}, rows, cols);
    const Span s = flat(rows * cols);
    A.check_no_overlap(out, s, x, s, true);
    with_float_type(x, [&](auto t) {
      using T = decltype(t);
      row_op<T>(OP, x.as<const T>(), nullptr, out.as<T>(), rows, cols);
    });
    return undefined(env);
  });
}

template <RowOp OP>
napi_value RowBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, OP == RowOp::SoftmaxBackward ? kSoftmaxBackward : kLogSoftmaxBackward);
    const ArrayView &y = A.array(0), &gy = A.array(1), &gx = A.array(2);
    const int64_t rows = A.integer(3), cols = A.integer(4);
    check_rows(A, {&y, &gy, &gx}, rows, cols);
    const Span s = flat(rows * cols);
    check_apart(A, {{&gx, s, true}}, {{&y, s, true}, {&gy, s, true}});
    with_float_type(y, [&](auto t) {
      using T = decltype(t);
      row_op<T>(OP, y.as<const T>(), gy.as<const T>(), gx.as<T>(), rows, cols);
    });
    return undefined(env);
  });
}

// Argument i, an optional (null/undefined) float array, is at least n long when present.
bool check_optional(const KernelArgs& A, size_t i, int64_t n) {
  if (!A.present(i)) return false;
  A.check_span(A.array(i), flat(n), [&] { return "length " + std::to_string(n); });
  return true;
}

// Targets: each in [0, cols) or equal to ignoreIndex.
void check_targets(const Args& A, const ArrayView& t, int64_t rows, int64_t cols, int64_t ignore) {
  A.check_span(t, flat(rows), [&] { return "rows=" + std::to_string(rows); });
  const int32_t* tp = t.as<const int32_t>();
  for (int64_t r = 0; r < rows; ++r) {
    if (tp[r] != ignore && (tp[r] < 0 || tp[r] >= cols))
      A.range_error("target " + std::to_string(tp[r]) + " at row " + std::to_string(r) + " is out of range for " +
                    std::to_string(cols) + " classes (and is not ignoreIndex " + std::to_string(ignore) + ")");
  }
}

napi_value CrossEntropy(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kCrossEntropy);
    const ArrayView &x = A.array(0), &t = A.array(1), &loss = A.array(2), &lse = A.array(3);
    const int64_t rows = A.integer(4), cols = A.integer(5), ignore = A.integer(6);
    const double smoothing = A.number(7);
    check_rows(A, x, rows, cols);
    check_rows(A, {&loss, &lse}, rows, 1);
    check_targets(A, t, rows, cols, ignore);
    const Span sx = flat(rows * cols), sr = flat(rows);
    const Reach rloss{&loss, sr}, rlse{&lse, sr}, rt{&t, sr};
    check_apart(A, {rloss, rlse}, {{&x, sx}});
    check_apart(A, {rloss}, {rlse, rt});
    check_apart(A, {rlse}, {rt});
    with_float_type(x, [&](auto tag) {
      using T = decltype(tag);
      cross_entropy<T>(x.as<const T>(), t.as<const int32_t>(), loss.as<T>(), lse.as<T>(), rows, cols,
                       (int32_t)ignore, smoothing);
    });
    return undefined(env);
  });
}

napi_value CrossEntropyBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kCrossEntropyBackward);
    const ArrayView &x = A.array(0), &t = A.array(1), &lse = A.array(2), &gl = A.array(3), &gx = A.array(4);
    const int64_t rows = A.integer(5), cols = A.integer(6), ignore = A.integer(7);
    const double smoothing = A.number(8);
    check_rows(A, {&x, &gx}, rows, cols);
    check_rows(A, {&lse, &gl}, rows, 1);
    check_targets(A, t, rows, cols, ignore);
    const Span sx = flat(rows * cols), sr = flat(rows);
    check_apart(A, {{&gx, sx, true}}, {{&x, sx, true}, {&lse, sr}, {&gl, sr}, {&t, sr}});
    with_float_type(x, [&](auto tag) {
      using T = decltype(tag);
      cross_entropy_backward<T>(x.as<const T>(), t.as<const int32_t>(), lse.as<const T>(), gl.as<const T>(),
                                gx.as<T>(), rows, cols, (int32_t)ignore, smoothing);
    });
    return undefined(env);
  });
}

napi_value LayerNorm(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kLayerNorm);
    const ArrayView &x = A.array(0), &w = A.array(1), &b = A.array(2), &y = A.array(3), &mean = A.array(4), &rstd = A.array(5);
    const int64_t rows = A.integer(6), cols = A.integer(7);
    const double eps = A.number(8);
    const bool hw = check_optional(A, 1, cols), hb = check_optional(A, 2, cols);
    check_rows(A, {&x, &y}, rows, cols);
    check_rows(A, {&mean, &rstd}, rows, 1);
    const Span sx = flat(rows * cols), sr = flat(rows), sc = (rows > 0 ? flat(cols) : Span{});
    const Reach rx{&x, sx, true}, ry{&y, sx, true}, rw{hw ? &w : nullptr, sc}, rb{hb ? &b : nullptr, sc};
    const Reach rmean{&mean, sr}, rrstd{&rstd, sr};
    check_apart(A, {ry}, {rx, rw, rb});
    check_apart(A, {rmean, rrstd}, {rx, ry, rw, rb});
    check_apart(A, {rmean}, {rrstd});
    with_float_type(x, [&](auto t) {
      using T = decltype(t);
      layer_norm<T>(x.as<const T>(), w.as<const T>(), b.as<const T>(), y.as<T>(), mean.as<T>(), rstd.as<T>(), rows,
                    cols, eps);
    });
    return undefined(env);
  });
}

napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kLayerNormBackward);
    const ArrayView &x = A.array(0), &gy = A.array(1), &w = A.array(2), &mean = A.array(3), &rstd = A.array(4);
    const ArrayView &gx = A.array(5), &gw = A.array(6), &gb = A.array(7);
    const int64_t rows = A.integer(8), cols = A.integer(9);
    const bool hw = check_optional(A, 2, cols), hgx = check_optional(A, 5, rows * cols);
    const bool hgw = check_optional(A, 6, cols), hgb = check_optional(A, 7, cols);
    check_rows(A, {&x, &gy}, rows, cols);
    check_rows(A, {&mean, &rstd}, rows, 1);
    const Span sx = flat(rows * cols), sr = flat(rows), sc = flat(cols);
    const Span swc = rows > 0 ? sc : Span{};  // w is read only when there are rows
    const Reach rx{&x, sx, true}, rgy{&gy, sx, true}, rw{hw ? &w : nullptr, swc}, rmean{&mean, sr}, rrstd{&rstd, sr};
    const Reach rgx{hgx ? &gx : nullptr, sx, true}, rgw{hgw ? &gw : nullptr, sc}, rgb{hgb ? &gb : nullptr, sc};
    check_apart(A, {rgx}, {rx, rgy, rw, rmean, rrstd});
    check_apart(A, {rgw, rgb}, {rx, rgy, rw, rmean, rrstd, rgx});
    check_apart(A, {rgw}, {rgb});
    with_float_type(x, [&](auto t) {
      using T = decltype(t);
      layer_norm_backward<T>(x.as<const T>(), gy.as<const T>(), w.as<const T>(), mean.as<const T>(),
                             rstd.as<const T>(), gx.as<T>(), gw.as<T>(), gb.as<T>(), rows, cols);
    });
    return undefined(env);
  });
}

napi_value RmsNorm(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kRmsNorm);
    const ArrayView &x = A.array(0), &w = A.array(1), &y = A.array(2), &rstd = A.array(3);
    const int64_t rows = A.integer(4), cols = A.integer(5);
    const double eps = A.number(6);
    const bool hw = check_optional(A, 1, cols);
    check_rows(A, {&x, &y}, rows, cols);
    check_rows(A, rstd, rows, 1);
    const Span sx = flat(rows * cols), sr = flat(rows), sc = (rows > 0 ? flat(cols) : Span{});
    const Reach rx{&x, sx, true}, ry{&y, sx, true}, rw{hw ? &w : nullptr, sc};
    check_apart(A, {ry}, {rx, rw});
    check_apart(A, {{&rstd, sr}}, {rx, ry, rw});
    with_float_type(x, [&](auto t) {
      using T = decltype(t);
      rms_norm<T>(x.as<const T>(), w.as<const T>(), y.as<T>(), rstd.as<T>(), rows, cols, eps);
    });
    return undefined(env);
  });
}

napi_value RmsNormBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kRmsNormBackward);
    const ArrayView &x = A.array(0), &gy = A.array(1), &w = A.array(2), &rstd = A.array(3), &gx = A.array(4), &gw = A.array(5);
    const int64_t rows = A.integer(6), cols = A.integer(7);
    const bool hw = check_optional(A, 2, cols), hgx = check_optional(A, 4, rows * cols), hgw = check_optional(A, 5, cols);
    check_rows(A, {&x, &gy}, rows, cols);
    check_rows(A, rstd, rows, 1);
    const Span sx = flat(rows * cols), sr = flat(rows), sc = flat(cols);
    const Span swc = rows > 0 ? sc : Span{};  // w is read only when there are rows
    const Reach rx{&x, sx, true}, rgy{&gy, sx, true}, rw{hw ? &w : nullptr, swc}, rrstd{&rstd, sr};
    const Reach rgx{hgx ? &gx : nullptr, sx, true};
    check_apart(A, {rgx}, {rx, rgy, rw, rrstd});
    check_apart(A, {{hgw ? &gw : nullptr, sc}}, {rx, rgy, rw, rrstd, rgx});
    with_float_type(x, [&](auto t) {
      using T = decltype(t);
      rms_norm_backward<T>(x.as<const T>(), gy.as<const T>(), w.as<const T>(), rstd.as<const T>(), gx.as<T>(), gw.as<T>(),
                           rows, cols);
    });
    return undefined(env);
  });
}

ADJ_KERNEL(kSoftmax, RowForward<RowOp::Softmax>);
ADJ_KERNEL(kLogSoftmax, RowForward<RowOp::LogSoftmax>);
ADJ_KERNEL(kSoftmaxBackward, RowBackward<RowOp::SoftmaxBackward>);
ADJ_KERNEL(kLogSoftmaxBackward, RowBackward<RowOp::LogSoftmaxBackward>);
ADJ_KERNEL(kLayerNorm, LayerNorm);
ADJ_KERNEL(kLayerNormBackward, LayerNormBackward);
ADJ_KERNEL(kRmsNorm, RmsNorm);
ADJ_KERNEL(kRmsNormBackward, RmsNormBackward);
ADJ_KERNEL(kCrossEntropy, CrossEntropy);
ADJ_KERNEL(kCrossEntropyBackward, CrossEntropyBackward);

}  // namespace
}  // namespace adj
