// indexSelect(x, out, outer, dimSize, inner, index): out[o, j, :] = x[o, index[j], :], and
// indexAdd(src, out, outer, dimSize, inner, index): out[o, index[j], :] += src[o, j, :] (in index
// order, so repeated indices add up as in core's TS kernels): float32 rows of `inner` elements,
// core's Backend.indexSelect / indexAdd (an embedding lookup and its weight's gradient). The table
// is [outer, dimSize, inner], the picked rows [outer, index.length, inner]; every index must be in
// [0, dimSize).
#include <cstdint>
#include <cstring>
#include <string>

#include "binding.h"

namespace adj {
namespace {

constexpr auto kIndexSelect = kernel_def("indexSelect", f32_array("x"), f32_array("out"), dim("outer"), dim("dimSize"), dim("inner"), i32("index"));
constexpr auto kIndexAdd = kernel_def("indexAdd", f32_array("src"), f32_array("out"), dim("outer"), dim("dimSize"), dim("inner"), i32("index"));

// A checked call: rows of inner elements go from src to dst (indexSelect: the table x to the
// picked rows out; indexAdd: the picked rows src, added into the table out).
struct IndexCall {
  const float* src;
  float* dst;
  int64_t outer, dim, inner, m;
  const int32_t* index;
};

// Both bindings' checks: the table and the picked rows each hold their block from element 0,
// share no memory, and every index is in range. The table is argument 0 of indexSelect, 1 of indexAdd.
IndexCall index_call(const KernelArgs& A, bool add) {
  const ArrayView &table = A.array(add ? 1 : 0), &picked = A.array(add ? 0 : 1), &idx = A.array(5);
  IndexCall c;
  c.outer = A.integer(2), c.dim = A.integer(3), c.inner = A.integer(4), c.m = (int64_t)idx.length;
  c.index = idx.as<const int32_t>();
  if (c.m > 0 && c.inner > INT64_MAX / c.m) A.range_error("index.length x inner is too large");
  const Span st = span_of(0, {{c.outer, c.dim * c.inner}, {c.dim * c.inner, 1}});
  const Span sp = span_of(0, {{c.outer, c.m * c.inner}, {c.m * c.inner, 1}});
  auto sizes = [&](int64_t rows) { return "outer=" + std::to_string(c.outer) + " x " + std::to_string(rows) + " rows x inner=" + std::to_string(c.inner); };
  A.check_span(table, st, [&] { return sizes(c.dim); });
  A.check_span(picked, sp, [&] { return sizes(c.m); });
  A.check_no_overlap(add ? table : picked, add ? st : sp, add ? picked : table, add ? sp : st, false);
  for (int64_t j = 0; j < c.m; ++j)
    if (c.index[j] < 0 || c.index[j] >= c.dim)
      A.range_error("index[" + std::to_string(j) + "] = " + std::to_string(c.index[j]) + " is out of range for dimSize " + std::to_string(c.dim));
  c.src = (add ? picked : table).as<const float>();
  c.dst = (add ? table : picked).as<float>();
  return c;
}

napi_value IndexSelect(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kIndexSelect);
    const IndexCall c = index_call(A, false);
    const size_t bytes = (size_t)c.inner * sizeof(float);
    for (int64_t o = 0; o < c.outer; ++o)
      for (int64_t j = 0; j < c.m; ++j)
        if (bytes) std::memcpy(c.dst + (o * c.m + j) * c.inner, c.src + (o * c.dim + c.index[j]) * c.inner, bytes);
    return undefined(env);
  });
}

napi_value IndexAdd(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kIndexAdd);
    const IndexCall c = index_call(A, true);
    for (int64_t o = 0; o < c.outer; ++o)
      for (int64_t j = 0; j < c.m; ++j) {
        float* __restrict d = c.dst + (o * c.dim + c.index[j]) * c.inner;
        const float* __restrict s = c.src + (o * c.m + j) * c.inner;
        for (int64_t i = 0; i < c.inner; ++i) d[i] += s[i];
      }
    return undefined(env);
  });
}

ADJ_KERNEL(kIndexSelect, IndexSelect);
ADJ_KERNEL(kIndexAdd, IndexAdd);

}  // namespace
}  // namespace adj
