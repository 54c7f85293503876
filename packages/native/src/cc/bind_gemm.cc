// gemm(a, aLayout, b, bLayout, c, cLayout, alpha, beta): core's Backend.gemm contract.
// Layouts of one ndim >= 2: a [...batch, m, k], b [...batch, k, n], c [...batch, m, n];
// float32 or float64, one type for all three. The batch dims are merged where the
// three layouts allow (one batch stride each, what the driver takes); the ones left
// are walked here, one driver call per index.
#include <cstdlib>

#include "binding.h"
#include "gemm.h"

namespace adj {
namespace {

constexpr auto kGemm = kernel_def("gemm", floats("a"), layout("aLayout"), floats("b"), layout("bLayout"), floats("c"),
                                  layout("cLayout"), number("alpha"), number("beta"));

// The batch dims of the three operands, size-1 dims dropped and neighbours merged
// when each operand steps through them as through one dim; dims[0] outermost.
struct BatchDims {
  size_t n = 0;
  int64_t size[kMaxDims], sa[kMaxDims], sb[kMaxDims], sc[kMaxDims];
};
BatchDims merge_batch(const LayoutView& a, const LayoutView& b, const LayoutView& c, size_t nb) {
  BatchDims o;
  for (size_t d = 0; d < nb; ++d) {
    const int64_t s = c.shape[d];
    if (s == 1) continue;
    const size_t j = o.n;
    if (j > 0 && o.sa[j - 1] == a.strides[d] * s && o.sb[j - 1] == b.strides[d] * s && o.sc[j - 1] == c.strides[d] * s) {
      o.size[j - 1] *= s;  // the previous dim continues into this one
      o.sa[j - 1] = a.strides[d], o.sb[j - 1] = b.strides[d], o.sc[j - 1] = c.strides[d];
      continue;
    }
    o.size[j] = s, o.sa[j] = a.strides[d], o.sb[j] = b.strides[d], o.sc[j] = c.strides[d];
    ++o.n;
  }
  return o;
}

napi_value Gemm(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kGemm);
    const ArrayView &a = A.array(0), &b = A.array(2), &c = A.array(4);
    const LayoutView &la = A.layout(1), &lb = A.layout(3), &lc = A.layout(5);
    const double alpha = A.number(6), beta = A.number(7);
    if (beta != 0 && beta != 1) A.range_error("beta must be 0 or 1, got " + std::to_string(beta));
    const size_t nd = lc.ndim;
    if (nd < 2 || la.ndim != nd || lb.ndim != nd)
      A.range_error("aLayout, bLayout and cLayout must have one ndim >= 2, got shapes " + la.shape_string() + ", " +
                    lb.shape_string() + " and " + lc.shape_string());
    const size_t nb = nd - 2;
    const int64_t m = lc.shape[nb], n = lc.shape[nb + 1], k = la.shape[nb + 1];
    bool agree = la.shape[nb] == m && lb.shape[nb] == k && lb.shape[nb + 1] == n;
    for (size_t d = 0; d < nb; ++d) agree = agree && la.shape[d] == lc.shape[d] && lb.shape[d] == lc.shape[d];
    if (!agree)
      A.range_error("shapes " + la.shape_string() + " @ " + lb.shape_string() + " -> " + lc.shape_string() +
                    " do not make [...batch, m, k] @ [...batch, k, n] -> [...batch, m, n]");
    const int64_t rsc = lc.strides[nb];
    if (n > 1 && lc.strides[nb + 1] != 1)
      A.range_error("c's rows must be contiguous (cLayout's last stride 1), got " + lc.describe());

    const Span sc = lc.span();
    const bool any = !sc.empty;
    if (any) {
      // C's matrices and rows must not overlap: ordered by stride, each dim steps past all inner ones
      if (m > 1 && (rsc < n && rsc > -n))
        A.range_error("rows of c overlap: |cLayout.strides[" + std::to_string(nb) + "]| (" + std::to_string(rsc) +
                      ") must be at least n (" + std::to_string(n) + ")");
      int64_t order[kMaxDims];  // batch dims of size > 1 by |stride| (insertion sort: at most 6)
      size_t cnt = 0;
      for (size_t d = 0; d < nb; ++d) {
        if (lc.shape[d] <= 1) continue;
        size_t i = cnt++;
        for (; i > 0 && std::llabs(lc.strides[order[i - 1]]) > std::llabs(lc.strides[d]); --i) order[i] = order[i - 1];
        order[i] = (int64_t)d;
      }
      __int128 reach = (__int128)(m - 1) * (rsc < 0 ? -rsc : rsc) + n;
      for (size_t i = 0; i < cnt; ++i) {
        const int64_t s = std::llabs(lc.strides[order[i]]);
        if ((__int128)s < reach)
          A.range_error("matrices of c overlap: " + lc.describe() + " reaches an element twice");
        reach += (__int128)(lc.shape[order[i]] - 1) * s;
      }
    }
    const bool touch_ab = any && k > 0;
    const Span sa = touch_ab ? la.span() : Span{}, sb = touch_ab ? lb.span() : Span{};
    if (touch_ab) {
      A.check_layout(a, la);
      A.check_layout(b, lb);
    }
    if (any) A.check_layout(c, lc);
    A.check_no_overlap(c, sc, a, sa, false);
    A.check_no_overlap(c, sc, b, sb, false);
    if (!any) return undefined(env);

    const BatchDims bd = merge_batch(la, lb, lc, nb);
    // the innermost merged dim goes to the driver as its batch; the outer ones are walked here
    const size_t outer = bd.n > 0 ? bd.n - 1 : 0;
    const int64_t batch = bd.n > 0 ? bd.size[outer] : 1;
    const int64_t sa1 = bd.n > 0 ? bd.sa[outer] : 0, sb1 = bd.n > 0 ? bd.sb[outer] : 0, sc1 = bd.n > 0 ? bd.sc[outer] : 0;
    with_float_type(a, [&](auto t) {
      using T = decltype(t);
      GemmCall<T> g{batch, m, n, k, (T)alpha, beta == 1, a.as<const T>() + la.offset, sa1, la.strides[nb], la.strides[nb + 1],
                    b.as<const T>() + lb.offset, sb1, lb.strides[nb], lb.strides[nb + 1], c.as<T>() + lc.offset, sc1, rsc};
      if (outer == 0) {
        gemm(g);
        return;
      }
      int64_t idx[kMaxDims] = {};
      for (;;) {
        gemm(g);
        size_t d = outer;
        while (d-- > 0) {
          g.a += bd.sa[d], g.b += bd.sb[d], g.c += bd.sc[d];
          if (++idx[d] < bd.size[d]) break;
          idx[d] = 0;
          g.a -= bd.sa[d] * bd.size[d], g.b -= bd.sb[d] * bd.size[d], g.c -= bd.sc[d] * bd.size[d];
        }
        if (d == (size_t)-1) break;
      }
    });
    return undefined(env);
  });
}

ADJ_KERNEL(kGemm, Gemm);

}  // namespace
}  // namespace adj
