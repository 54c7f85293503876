// binary2d(op, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride, out, rows, cols):
// out[r * cols + c] = a[aOffset + r aRowStride + c aColStride] OP b[...] for op 'add' | 'sub' | 'mul' | 'div',
// column strides 0 or 1, one float type for all three arrays. out may be a exactly (in place), else no overlap.
#include "binding.h"
#include "elementwise.h"

namespace adj {
namespace {

// Native only (core's binary is adapted to it in src/elementwise-kernels.ts).
constexpr auto kBinary2d = kernel_def("binary2d", binary_op("op"),
    floats("a"), index("aOffset"), index("aRowStride"), integer("aColStride", 0, 1),
    floats("b"), index("bOffset"), index("bRowStride"), integer("bColStride", 0, 1),
    floats("out"), dim("rows"), dim("cols"));

napi_value Binary2d(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kBinary2d);
    const std::string& name = A.str(0);
    BinOp op;
    if (name == "add") op = BinOp::kAdd;
    else if (name == "sub") op = BinOp::kSub;
    else if (name == "mul") op = BinOp::kMul;
    else if (name == "div") op = BinOp::kDiv;
    else A.range_error("op must be 'add', 'sub', 'mul' or 'div', got '" + name + "'");
    const ArrayView &a = A.array(1), &b = A.array(5), &out = A.array(9);
    const Operand2d ao{A.integer(2), A.integer(3), A.integer(4)};
    const Operand2d bo{A.integer(6), A.integer(7), A.integer(8)};
    const int64_t rows = A.integer(10), cols = A.integer(11);
    auto what = [&] { return "rows=" + std::to_string(rows) + ", cols=" + std::to_string(cols); };
    const Span sa = span_of(ao.offset, {{rows, ao.row_stride}, {cols, ao.col_stride}});
    const Span sb = span_of(bo.offset, {{rows, bo.row_stride}, {cols, bo.col_stride}});
    const Span so = flat(rows * cols);
    A.check_span(a, sa, what);
    A.check_span(b, sb, what);
    A.check_span(out, so, what);
    // in place on a: out must be exactly a's contiguous layout
    const bool a_is_out = a.data == out.data && ao.offset == 0 && ao.col_stride == 1 && ao.row_stride == cols;
    if (!a_is_out) A.check_no_overlap(out, so, a, sa, false);
    A.check_no_overlap(out, so, b, sb, false);
    with_float_type(a, [&](auto t) {
      using T = decltype(t);
      binary_2d<T>(op, a.as<const T>(), ao, b.as<const T>(), bo, out.as<T>(), rows, cols);
    });
    return undefined(env);
  });
}

ADJ_KERNEL(kBinary2d, Binary2d);

}  // namespace
}  // namespace adj
