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
    check_elementwise(A, n, y, {&x});
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
    check_elementwise(A, n, gx, {&x, &gy});
    gelu_backward_f32(x.as<const float>(), gy.as<const float>(), gx.as<float>(), n, tanh);
    return undefined(env);
  });
}

// biasGelu(x, bias, pre, y, rows, cols, approximate): pre = x + bias per row (pre may be x, y may be pre), y = gelu(pre).
constexpr auto kBiasGelu = kernel_def("biasGelu", f32("x"), f32("bias"), f32("pre"), f32("y"), dim("rows"), dim("cols"), boolean("approximate"));
// biasGeluBackward(pre, gy, gx, gb?, rows, cols, approximate): gx = gy gelu'(pre) (gx may be gy), gb = sum over rows of gx.
constexpr auto kBiasGeluBackward = kernel_def("biasGeluBackward", f32("pre"), f32("gy"), f32("gx"), f32_opt("gb"), dim("rows"), dim("cols"), boolean("approximate"));

napi_value BiasGelu(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kBiasGelu);
    const ArrayView &x = A.array(0), &b = A.array(1), &pre = A.array(2), &y = A.array(3);
    const int64_t rows = A.integer(4), cols = A.integer(5);
    const bool tanh = A.flag(6);
    check_rows(A, {&x, &pre, &y}, rows, cols);
    const Span s = flat(rows * cols), sb = flat(cols);
    A.check_span(b, sb, [&] { return "cols=" + std::to_string(cols); });
    const Reach rx{&x, s, true}, rb{&b, sb}, rpre{&pre, s, true};
    check_apart(A, {rpre}, {rx, rb});
    check_apart(A, {{&y, s, true}}, {rx, rb, rpre});  // y may be x or pre: each element's p is in a register before y is stored
    bias_gelu_f32(x.as<const float>(), b.as<const float>(), pre.as<float>(), y.as<float>(), rows, cols, tanh);
    return undefined(env);
  });
}

napi_value BiasGeluBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kBiasGeluBackward);
    const ArrayView &pre = A.array(0), &gy = A.array(1), &gx = A.array(2), &gb = A.array(3);
    const bool hasGb = A.present(3);
    const int64_t rows = A.integer(4), cols = A.integer(5);
    const bool tanh = A.flag(6);
    check_rows(A, {&pre, &gy, &gx}, rows, cols);
    const Span s = flat(rows * cols), sb = flat(cols);
    const Reach rpre{&pre, s}, rgy{&gy, s, true}, rgx{&gx, s, true};  // gx may be gy, not pre
    check_apart(A, {rgx}, {rpre, rgy});
    if (hasGb) {
      A.check_span(gb, sb, [&] { return "cols=" + std::to_string(cols); });
      check_apart(A, {{&gb, sb}}, {rpre, rgy, rgx});
    }
    bias_gelu_backward_f32(pre.as<const float>(), gy.as<const float>(), gx.as<float>(), hasGb ? gb.as<float>() : nullptr,
                           rows, cols, tanh);
    return undefined(env);
  });
}

ADJ_KERNEL(kGelu, Gelu);
ADJ_KERNEL(kGeluBackward, GeluBackward);
ADJ_KERNEL(kBiasGelu, BiasGelu);
ADJ_KERNEL(kBiasGeluBackward, BiasGeluBackward);

}  // namespace
}  // namespace adj
