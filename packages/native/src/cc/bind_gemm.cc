// gemm(a, aOffset, aBatchStride, aRowStride, aColStride,
//      b, bOffset, bBatchStride, bRowStride, bColStride,
//      c, cOffset, cBatchStride, cRowStride, batch, m, n, k, alpha, beta)
// Core's Backend.gemm contract, positional; float32 or float64, one type for all three.
#include "binding.h"
#include "gemm.h"

namespace adj {
namespace {

std::string strides(int64_t a, int64_t b, int64_t c) {
  return "(" + std::to_string(a) + ", " + std::to_string(b) + ", " + std::to_string(c) + ")";
}

napi_value Gemm(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "gemm", 20, 20);
    const ArrayView a = A.array(0, "a", kF32 | kF64);
    const int64_t aOff = A.integer(1, "aOffset", 0, kMaxIndex);
    const int64_t aBS = A.integer(2, "aBatchStride", -kMaxIndex, kMaxIndex);
    const int64_t aRS = A.integer(3, "aRowStride", -kMaxIndex, kMaxIndex);
    const int64_t aCS = A.integer(4, "aColStride", -kMaxIndex, kMaxIndex);
    const ArrayView b = A.array(5, "b", kF32 | kF64);
    const int64_t bOff = A.integer(6, "bOffset", 0, kMaxIndex);
    const int64_t bBS = A.integer(7, "bBatchStride", -kMaxIndex, kMaxIndex);
    const int64_t bRS = A.integer(8, "bRowStride", -kMaxIndex, kMaxIndex);
    const int64_t bCS = A.integer(9, "bColStride", -kMaxIndex, kMaxIndex);
    const ArrayView c = A.array(10, "c", kF32 | kF64);
    const int64_t cOff = A.integer(11, "cOffset", 0, kMaxIndex);
    const int64_t cBS = A.integer(12, "cBatchStride", -kMaxIndex, kMaxIndex);
    const int64_t cRS = A.integer(13, "cRowStride", -kMaxIndex, kMaxIndex);
    const int64_t batch = A.integer(14, "batch", 0, kMaxDim);
    const int64_t m = A.integer(15, "m", 0, kMaxDim);
    const int64_t n = A.integer(16, "n", 0, kMaxDim);
    const int64_t k = A.integer(17, "k", 0, kMaxDim);
    const double alpha = A.number(18, "alpha");
    const double beta = A.number(19, "beta");
    A.check_same_type(a, b);
    A.check_same_type(a, c);
    if (beta != 0 && beta != 1) A.range_error("beta must be 0 or 1, got " + std::to_string(beta));

    const bool any = batch > 0 && m > 0 && n > 0;
    if (any && m > 1 && (cRS < n && cRS > -n))
      A.range_error("rows of c overlap: |cRowStride| (" + std::to_string(cRS) + ") must be at least n (" +
                    std::to_string(n) + ")");
    if (any && batch > 1) {
      const __int128 one = (__int128)(m - 1) * (cRS < 0 ? -cRS : cRS) + n;
      const __int128 bs = cBS < 0 ? -(__int128)cBS : (__int128)cBS;
      if (bs < one)
        A.range_error("matrices of c overlap: |cBatchStride| (" + std::to_string(cBS) +
                      ") must be at least (m - 1) * |cRowStride| + n = " + std::to_string((long long)one));
    }
    const bool touch_ab = any && k > 0;
    const Span sa = touch_ab ? span_of(aOff, {{batch, aBS}, {m, aRS}, {k, aCS}}) : Span{};
    const Span sb = touch_ab ? span_of(bOff, {{batch, bBS}, {k, bRS}, {n, bCS}}) : Span{};
    const Span sc = any ? span_of(cOff, {{batch, cBS}, {m, cRS}, {n, 1}}) : Span{};
    auto what = [&](const char* r, int64_t rv, const char* c, int64_t cv, int64_t off, int64_t s0, int64_t s1,
                    int64_t s2) {
      return [=] {
        return "batch=" + std::to_string(batch) + ", " + r + "=" + std::to_string(rv) + ", " + c + "=" +
               std::to_string(cv) + " at offset " + std::to_string(off) + " with strides " + strides(s0, s1, s2);
      };
    };
    A.check_span(a, sa, what("m", m, "k", k, aOff, aBS, aRS, aCS));
    A.check_span(b, sb, what("k", k, "n", n, bOff, bBS, bRS, bCS));
    A.check_span(c, sc, what("m", m, "n", n, cOff, cBS, cRS, 1));
    A.check_no_overlap(c, sc, a, sa, false);
    A.check_no_overlap(c, sc, b, sb, false);
    if (!any) return undefined(env);

    with_float_type(a, [&](auto t) {
      using T = decltype(t);
      gemm(GemmCall<T>{batch, m, n, k, (T)alpha, beta == 1, a.as<const T>() + aOff, aBS, aRS, aCS,
                       b.as<const T>() + bOff, bBS, bRS, bCS, c.as<T>() + cOff, cBS, cRS});
    });
    return undefined(env);
  });
}

ADJ_EXPORT("gemm", Gemm);

}  // namespace
}  // namespace adj
