// gelu(x, y, n, approximate), geluBackward(x, gy, gx, n, approximate): float32
// only (core's TS kernel does float64); approximate: the tanh form.
#include "binding.h"
#include "rows.h"

namespace adj {
namespace {

napi_value Gelu(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "gelu", 4, 4);
    const ArrayView x = A.array(0, "x", kF32);
    const ArrayView y = A.array(1, "y", kF32);
    const int64_t n = A.integer(2, "n", 0, kMaxIndex);
    const bool tanh = get_bool(A, 3, "approximate");
    const Span s = flat(n);
    auto what = [&] { return "n=" + std::to_string(n); };
    A.check_span(x, s, what);
    A.check_span(y, s, what);
    A.check_no_overlap(y, s, x, s, true);
    gelu_f32(x.as<const float>(), y.as<float>(), n, tanh);
    return undefined(env);
  });
}

napi_value GeluBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "geluBackward", 5, 5);
    const ArrayView x = A.array(0, "x", kF32);
    const ArrayView gy = A.array(1, "gy", kF32);
    const ArrayView gx = A.array(2, "gx", kF32);
    const int64_t n = A.integer(3, "n", 0, kMaxIndex);
    const bool tanh = get_bool(A, 4, "approximate");
    const Span s = flat(n);
    auto what = [&] { return "n=" + std::to_string(n); };
    A.check_span(x, s, what);
    A.check_span(gy, s, what);
    A.check_span(gx, s, what);
    A.check_no_overlap(gx, s, x, s, true);
    A.check_no_overlap(gx, s, gy, s, true);
    gelu_backward_f32(x.as<const float>(), gy.as<const float>(), gx.as<float>(), n, tanh);
    return undefined(env);
  });
}

ADJ_EXPORT("gelu", Gelu);
ADJ_EXPORT("geluBackward", GeluBackward);

}  // namespace
}  // namespace adj
