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

constexpr auto kGemm = kernel_def("gemm",
    floats("a"), index("aOffset"), stride("aBatchStride"), stride("aRowStride"), stride("aColStride"),
    floats("b"), index("bOffset"), stride("bBatchStride"), stride("bRowStride"), stride("bColStride"),
    floats("c"), index("cOffset"), stride("cBatchStride"), stride("cRowStride"),
    dim("batch"), dim("m"), dim("n"), dim("k"), number("alpha"), number("beta"));

napi_value Gemm(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kGemm);
    const ArrayView &a = A.array(0), &b = A.array(5), &c = A.array(10);
    const int64_t aOff = A.integer(1), aBS = A.integer(2), aRS = A.integer(3), aCS = A.integer(4);
    const int64_t bOff = A.integer(6), bBS = A.integer(7), bRS = A.integer(8), bCS = A.integer(9);
    const int64_t cOff = A.integer(11), cBS = A.integer(12), cRS = A.integer(13);
    const int64_t batch = A.integer(14), m = A.integer(15), n = A.integer(16), k = A.integer(17);
    const double alpha = A.number(18), beta = A.number(19);
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

ADJ_KERNEL(kGemm, Gemm);

}  // namespace
}  // namespace adj
