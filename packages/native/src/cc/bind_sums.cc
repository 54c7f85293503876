// columnSums(x, xOffset, out, rows, cols): out[c] = sum over r of x[xOffset + r * cols + c],
// float32 (float64 sums), core's Backend.columnSums (a bias gradient).
#include "binding.h"
#include "rows.h"

namespace adj {
namespace {

constexpr auto kColumnSums = kernel_def("columnSums", f32_array("x"), index("xOffset"), f32_array("out"), dim("rows"), dim("cols"));

napi_value ColumnSums(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kColumnSums);
    const ArrayView &x = A.array(0), &out = A.array(2);
    const int64_t off = A.integer(1), rows = A.integer(3), cols = A.integer(4);
    const Span sx = span_of(off, {{rows * cols, 1}}), so = flat(cols);
    A.check_span(x, sx, [&] { return "xOffset=" + std::to_string(off) + ", rows=" + std::to_string(rows) + ", cols=" + std::to_string(cols); });
    A.check_span(out, so, [&] { return "cols=" + std::to_string(cols); });
    A.check_no_overlap(out, so, x, sx, false);
    column_sums_f32(x.as<const float>() + off, out.as<float>(), rows, cols);
    return undefined(env);
  });
}

ADJ_KERNEL(kColumnSums, ColumnSums);

}  // namespace
}  // namespace adj
