// unary(op, x, out, n): core's elementwise unary kernel, natively for op 'relu'
// on float32 (the TS glue keeps other ops and dtypes in TS);
// reluBackward(x, gy, gx, n): gx = x > 0 ? gy : 0, float32 only.
#include "binding.h"
#include "rows.h"

namespace adj {
namespace {

constexpr ArgDef unary_op(const char* n) { return {n, Kind::UnaryOp, 0, 0, 0}; }

constexpr auto kUnary = kernel_def("unary", unary_op("op"), f32_array("x"), f32_array("out"), index("n"));
constexpr auto kReluBackward = kernel_def("reluBackward", f32("x"), f32("gy"), f32("gx"), index("n"));

napi_value Unary(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kUnary);
    const std::string& op = A.str(0);
    if (op != "relu") A.range_error("op must be 'relu' (the other unary ops run in TS), got '" + op + "'");
    const ArrayView &x = A.array(1), &out = A.array(2);
    const int64_t n = A.integer(3);
    check_elementwise(A, n, out, {&x});
    relu_f32(x.as<const float>(), out.as<float>(), n);
    return undefined(env);
  });
}

napi_value ReluBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kReluBackward);
    const ArrayView &x = A.array(0), &gy = A.array(1), &gx = A.array(2);
    const int64_t n = A.integer(3);
    check_elementwise(A, n, gx, {&x, &gy});
    relu_backward_f32(x.as<const float>(), gy.as<const float>(), gx.as<float>(), n);
    return undefined(env);
  });
}

ADJ_KERNEL(kUnary, Unary);
ADJ_KERNEL(kReluBackward, ReluBackward);

}  // namespace
}  // namespace adj
