// rmsNorm(x, w | null, y, rstd, rows, cols, eps), rmsNormBackward(x, gy, w | null, rstd, gx | null, gw | null, rows, cols):
// RMS norm over contiguous [rows, cols] float32 or float64 arrays (rows.cc, kernels_rmsnorm.inl, rows_f64.cc).
#include "binding.h"
#include "rows.h"

namespace adj {
namespace {

constexpr auto kRmsNorm = kernel_def("rmsNorm", floats("x"), floats_opt("w"), floats("y"), floats("rstd"), dim("rows"), dim("cols"), number("eps"));
constexpr auto kRmsNormBackward = kernel_def("rmsNormBackward", floats("x"), floats("gy"), floats_opt("w"), floats("rstd"), floats_opt("gx"), floats_opt("gw"), dim("rows"), dim("cols"));

bool check_optional(const KernelArgs& A, size_t i, int64_t n) {
  if (!A.present(i)) return false;
  A.check_span(A.array(i), flat(n), [&] { return "length " + std::to_string(n); });
  return true;
}

napi_value RmsNorm(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kRmsNorm);
    const ArrayView &x = A.array(0), &w = A.array(1), &y = A.array(2), &rstd = A.array(3);
    const int64_t rows = A.integer(4), cols = A.integer(5);
    const double eps = A.number(6);
    const bool hw = check_optional(A, 1, cols);
    check_rows(A, x, rows, cols);
    check_rows(A, y, rows, cols);
    check_rows(A, rstd, rows, 1);
    const Span sx = flat(rows * cols), sr = flat(rows), sc = (rows > 0 ? flat(cols) : Span{});
    A.check_no_overlap(y, sx, x, sx, true);
    if (hw) A.check_no_overlap(y, sx, w, sc, false);
    A.check_no_overlap(rstd, sr, x, sx, false);
    A.check_no_overlap(rstd, sr, y, sx, false);
    if (hw) A.check_no_overlap(rstd, sr, w, sc, false);
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
    check_rows(A, x, rows, cols);
    check_rows(A, gy, rows, cols);
    check_rows(A, rstd, rows, 1);
    const Span sx = flat(rows * cols), sr = flat(rows), sc = flat(cols);
    const Span swc = rows > 0 ? sc : Span{};  // w is read only when there are rows
    if (hgx) {
      A.check_no_overlap(gx, sx, x, sx, true);
      A.check_no_overlap(gx, sx, gy, sx, true);
      if (hw) A.check_no_overlap(gx, sx, w, swc, false);
      A.check_no_overlap(gx, sx, rstd, sr, false);
    }
    if (hgw) {
      A.check_no_overlap(gw, sc, x, sx, false);
      A.check_no_overlap(gw, sc, gy, sx, false);
      if (hw) A.check_no_overlap(gw, sc, w, swc, false);
      A.check_no_overlap(gw, sc, rstd, sr, false);
      if (hgx) A.check_no_overlap(gw, sc, gx, sx, false);
    }
    with_float_type(x, [&](auto t) {
      using T = decltype(t);
      rms_norm_backward<T>(x.as<const T>(), gy.as<const T>(), w.as<const T>(), rstd.as<const T>(), gx.as<T>(), gw.as<T>(),
                           rows, cols);
    });
    return undefined(env);
  });
}

ADJ_KERNEL(kRmsNorm, RmsNorm);
ADJ_KERNEL(kRmsNormBackward, RmsNormBackward);

}  // namespace
}  // namespace adj
