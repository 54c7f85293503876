// gelu(x, y, n, approximate), geluBackward(x, gy, gx, n, approximate): float32
// only (core's TS kernel does float64); approximate: the tanh form.
#include "binding.h"
#include "rows.h"

namespace adj {
namespace {

constexpr auto kGelu = kernel_def("gelu", f32("x"), f32("y"), index("n"), boolean("approximate"));
constexpr auto kGeluBackward = kernel_def("geluBackward", f32("x"), f32("gy"), f32("gx"), index("n"), boolean("approximate"));

napi_value Gelu(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kGelu);
    const ArrayView &x = A.array(0), &y = A.array(1);
    const int64_t n = A.integer(2);
    const bool tanh = A.flag(3);
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
    KernelArgs A(env, info, kGeluBackward);
    const ArrayView &x = A.array(0), &gy = A.array(1), &gx = A.array(2);
    const int64_t n = A.integer(3);
    const bool tanh = A.flag(4);
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

ADJ_KERNEL(kGelu, Gelu);
ADJ_KERNEL(kGeluBackward, GeluBackward);

}  // namespace
}  // namespace adj
