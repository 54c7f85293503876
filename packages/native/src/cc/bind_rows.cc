// Row-wise kernels over contiguous [rows, cols] float32 or float64 arrays:
//   softmax / logSoftmax(x, out, rows, cols)
//   softmaxBackward / logSoftmaxBackward(y, gy, gx, rows, cols)
//   layerNorm(x, w | null, b | null, y, mean, rstd, rows, cols, eps)
//   layerNormBackward(x, gy, w | null, mean, rstd, gx | null, gw | null, gb | null, rows, cols)
//   crossEntropy(x, target, loss, lse, rows, cols, ignoreIndex, labelSmoothing)
//   crossEntropyBackward(x, target, lse, gLoss, gx, rows, cols, ignoreIndex, labelSmoothing)
#include "binding.h"
#include "rows.h"

namespace adj {
namespace {

template <RowOp OP>
napi_value RowForward(napi_env env, napi_callback_info info) {
  const char* fn = OP == RowOp::Softmax ? "softmax" : "logSoftmax";
  return guard(env, [&]() -> napi_value {
    Args A(env, info, fn, 4, 4);
    const ArrayView x = A.array(0, "x", kF32 | kF64);
    const ArrayView out = A.array(1, "out", kF32 | kF64);
    A.check_same_type(x, out);
    const int64_t rows = A.integer(2, "rows", 0, kMaxDim), cols = A.integer(3, "cols", 0, kMaxDim);
    check_rows(A, x, rows, cols);
    check_rows(A, out, rows, cols);
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
  const char* fn = OP == RowOp::SoftmaxBackward ? "softmaxBackward" : "logSoftmaxBackward";
  return guard(env, [&]() -> napi_value {
    Args A(env, info, fn, 5, 5);
    const ArrayView y = A.array(0, "y", kF32 | kF64);
    const ArrayView gy = A.array(1, "gy", kF32 | kF64);
    const ArrayView gx = A.array(2, "gx", kF32 | kF64);
    A.check_same_type(y, gy);
    A.check_same_type(y, gx);
    const int64_t rows = A.integer(3, "rows", 0, kMaxDim), cols = A.integer(4, "cols", 0, kMaxDim);
    check_rows(A, y, rows, cols);
    check_rows(A, gy, rows, cols);
    check_rows(A, gx, rows, cols);
    const Span s = flat(rows * cols);
    A.check_no_overlap(gx, s, y, s, true);
    A.check_no_overlap(gx, s, gy, s, true);
    with_float_type(y, [&](auto t) {
      using T = decltype(t);
      row_op<T>(OP, y.as<const T>(), gy.as<const T>(), gx.as<T>(), rows, cols);
    });
    return undefined(env);
  });
}

// An optional (null/undefined) float array of the same type as `like`, at least n
// long; absent: an empty view whose as<T>() is nullptr.
ArrayView optional_array(const Args& A, size_t i, const char* name, const ArrayView& like, int64_t n, bool& present) {
  present = !A.is_nullish(i);
  if (!present) return ArrayView{};
  ArrayView v = A.array(i, name, kF32 | kF64);
  A.check_same_type(like, v);
  A.check_span(v, flat(n), [&] { return "length " + std::to_string(n); });
  return v;
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
    Args A(env, info, "crossEntropy", 8, 8);
    const ArrayView x = A.array(0, "x", kF32 | kF64);
    const ArrayView t = A.array(1, "target", kI32);
    const ArrayView loss = A.array(2, "loss", kF32 | kF64);
    const ArrayView lse = A.array(3, "lse", kF32 | kF64);
    A.check_same_type(x, loss);
    A.check_same_type(x, lse);
    const int64_t rows = A.integer(4, "rows", 0, kMaxDim), cols = A.integer(5, "cols", 0, kMaxDim);
    const int64_t ignore = A.integer(6, "ignoreIndex", INT32_MIN, INT32_MAX);
    const double smoothing = A.number(7, "labelSmoothing");
    check_rows(A, x, rows, cols);
    check_rows(A, loss, rows, 1);
    check_rows(A, lse, rows, 1);
    check_targets(A, t, rows, cols, ignore);
    const Span sx = flat(rows * cols), sr = flat(rows);
    A.check_no_overlap(loss, sr, x, sx, false);
    A.check_no_overlap(lse, sr, x, sx, false);
    A.check_no_overlap(loss, sr, lse, sr, false);
    A.check_no_overlap(loss, sr, t, sr, false);
    A.check_no_overlap(lse, sr, t, sr, false);
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
    Args A(env, info, "crossEntropyBackward", 9, 9);
    const ArrayView x = A.array(0, "x", kF32 | kF64);
    const ArrayView t = A.array(1, "target", kI32);
    const ArrayView lse = A.array(2, "lse", kF32 | kF64);
    const ArrayView gl = A.array(3, "gLoss", kF32 | kF64);
    const ArrayView gx = A.array(4, "gx", kF32 | kF64);
    A.check_same_type(x, lse);
    A.check_same_type(x, gl);
    A.check_same_type(x, gx);
    const int64_t rows = A.integer(5, "rows", 0, kMaxDim), cols = A.integer(6, "cols", 0, kMaxDim);
    const int64_t ignore = A.integer(7, "ignoreIndex", INT32_MIN, INT32_MAX);
    const double smoothing = A.number(8, "labelSmoothing");
    check_rows(A, x, rows, cols);
    check_rows(A, gx, rows, cols);
    check_rows(A, lse, rows, 1);
    check_rows(A, gl, rows, 1);
    check_targets(A, t, rows, cols, ignore);
    const Span sx = flat(rows * cols), sr = flat(rows);
    A.check_no_overlap(gx, sx, x, sx, true);
    A.check_no_overlap(gx, sx, lse, sr, false);
    A.check_no_overlap(gx, sx, gl, sr, false);
    A.check_no_overlap(gx, sx, t, sr, false);
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
    Args A(env, info, "layerNorm", 9, 9);
    const ArrayView x = A.array(0, "x", kF32 | kF64);
    const int64_t rows = A.integer(6, "rows", 0, kMaxDim), cols = A.integer(7, "cols", 0, kMaxDim);
    const double eps = A.number(8, "eps");
    bool hw, hb;
    const ArrayView w = optional_array(A, 1, "w", x, cols, hw);
    const ArrayView b = optional_array(A, 2, "b", x, cols, hb);
    const ArrayView y = A.array(3, "y", kF32 | kF64);
    const ArrayView mean = A.array(4, "mean", kF32 | kF64);
    const ArrayView rstd = A.array(5, "rstd", kF32 | kF64);
    A.check_same_type(x, y);
    A.check_same_type(x, mean);
    A.check_same_type(x, rstd);
    check_rows(A, x, rows, cols);
    check_rows(A, y, rows, cols);
    check_rows(A, mean, rows, 1);
    check_rows(A, rstd, rows, 1);
    const Span sx = flat(rows * cols), sr = flat(rows), sc = (rows > 0 ? flat(cols) : Span{});
    A.check_no_overlap(y, sx, x, sx, true);
    if (hw) A.check_no_overlap(y, sx, w, sc, false);
    if (hb) A.check_no_overlap(y, sx, b, sc, false);
    for (const ArrayView* o : {&mean, &rstd}) {
      A.check_no_overlap(*o, sr, x, sx, false);
      A.check_no_overlap(*o, sr, y, sx, false);
      if (hw) A.check_no_overlap(*o, sr, w, sc, false);
      if (hb) A.check_no_overlap(*o, sr, b, sc, false);
    }
    A.check_no_overlap(mean, sr, rstd, sr, false);
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
    Args A(env, info, "layerNormBackward", 10, 10);
    const ArrayView x = A.array(0, "x", kF32 | kF64);
    const ArrayView gy = A.array(1, "gy", kF32 | kF64);
    A.check_same_type(x, gy);
    const int64_t rows = A.integer(8, "rows", 0, kMaxDim), cols = A.integer(9, "cols", 0, kMaxDim);
    bool hw, hgx, hgw, hgb;
    const ArrayView w = optional_array(A, 2, "w", x, cols, hw);
    const ArrayView mean = A.array(3, "mean", kF32 | kF64);
    const ArrayView rstd = A.array(4, "rstd", kF32 | kF64);
    A.check_same_type(x, mean);
    A.check_same_type(x, rstd);
    const ArrayView gx = optional_array(A, 5, "gx", x, rows * cols, hgx);
    const ArrayView gw = optional_array(A, 6, "gw", x, cols, hgw);
    const ArrayView gb = optional_array(A, 7, "gb", x, cols, hgb);
    check_rows(A, x, rows, cols);
    check_rows(A, gy, rows, cols);
    check_rows(A, mean, rows, 1);
    check_rows(A, rstd, rows, 1);
    const Span sx = flat(rows * cols), sr = flat(rows), sc = flat(cols);
    const Span swc = rows > 0 ? sc : Span{};  // w is read only when there are rows
    if (hgx) {
      A.check_no_overlap(gx, sx, x, sx, true);
      A.check_no_overlap(gx, sx, gy, sx, true);
      if (hw) A.check_no_overlap(gx, sx, w, swc, false);
      A.check_no_overlap(gx, sx, mean, sr, false);
      A.check_no_overlap(gx, sx, rstd, sr, false);
    }
    for (const auto& o : {std::make_pair(hgw, &gw), std::make_pair(hgb, &gb)}) {
      if (!o.first) continue;
      const ArrayView& g = *o.second;
      A.check_no_overlap(g, sc, x, sx, false);
      A.check_no_overlap(g, sc, gy, sx, false);
      if (hw) A.check_no_overlap(g, sc, w, swc, false);
      A.check_no_overlap(g, sc, mean, sr, false);
      A.check_no_overlap(g, sc, rstd, sr, false);
      if (hgx) A.check_no_overlap(g, sc, gx, sx, false);
    }
    if (hgw && hgb) A.check_no_overlap(gw, sc, gb, sc, false);
    with_float_type(x, [&](auto t) {
      using T = decltype(t);
      layer_norm_backward<T>(x.as<const T>(), gy.as<const T>(), w.as<const T>(), mean.as<const T>(),
                             rstd.as<const T>(), gx.as<T>(), gw.as<T>(), gb.as<T>(), rows, cols);
    });
    return undefined(env);
  });
}

ADJ_EXPORT("softmax", RowForward<RowOp::Softmax>);
ADJ_EXPORT("logSoftmax", RowForward<RowOp::LogSoftmax>);
ADJ_EXPORT("softmaxBackward", RowBackward<RowOp::SoftmaxBackward>);
ADJ_EXPORT("logSoftmaxBackward", RowBackward<RowOp::LogSoftmaxBackward>);
ADJ_EXPORT("layerNorm", LayerNorm);
ADJ_EXPORT("layerNormBackward", LayerNormBackward);
ADJ_EXPORT("crossEntropy", CrossEntropy);
ADJ_EXPORT("crossEntropyBackward", CrossEntropyBackward);

}  // namespace
}  // namespace adj
