// binary2d(op, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride, out, rows, cols):
// out[r * cols + c] = a[aOffset + r aRowStride + c aColStride] OP b[...] for op 'add' | 'sub' | 'mul' | 'div',
// column strides 0 or 1, one float type for all three arrays. out may be a exactly (in place), else no overlap.
#include "binding.h"
#include "elementwise.h"

namespace adj {
namespace {

napi_value Binary2d(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "binary2d", 12, 12);
    const std::string name = A.string(0, "op");
    BinOp op;
    if (name == "add") op = BinOp::kAdd;
    else if (name == "sub") op = BinOp::kSub;
    else if (name == "mul") op = BinOp::kMul;
    else if (name == "div") op = BinOp::kDiv;
    else A.range_error("op must be 'add', 'sub', 'mul' or 'div', got '" + name + "'");
    const ArrayView a = A.array(1, "a", kF32 | kF64);
    const Operand2d ao{A.integer(2, "aOffset", 0, kMaxIndex), A.integer(3, "aRowStride", 0, kMaxIndex), A.integer(4, "aColStride", 0, 1)};
    const ArrayView b = A.array(5, "b", kF32 | kF64);
    const Operand2d bo{A.integer(6, "bOffset", 0, kMaxIndex), A.integer(7, "bRowStride", 0, kMaxIndex), A.integer(8, "bColStride", 0, 1)};
    const ArrayView out = A.array(9, "out", kF32 | kF64);
    const int64_t rows = A.integer(10, "rows", 0, kMaxDim), cols = A.integer(11, "cols", 0, kMaxDim);
    A.check_same_type(a, b);
    A.check_same_type(a, out);
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

ADJ_EXPORT("binary2d", Binary2d);

}  // namespace
}  // namespace adj
