// See optim.h. Each list is cut into chunks of about kChunk elements; a chunk
// is one task of the pool when the lists are large enough to be worth it.
#include "optim.h"

#include <algorithm>
#include <cmath>

#include "clones.h"
#include "threadpool.h"

namespace adj {
namespace {

constexpr int64_t kChunk = 1 << 15;
constexpr int64_t kParallelMin = 1 << 16;  // elements in all: below this, one thread

struct Chunk {
  int64_t param, begin, end;
};

template <class S>
std::vector<Chunk> chunks_of(const std::vector<S>& xs, int64_t& total) {
  std::vector<Chunk> out;
  total = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const int64_t n = xs[i].n;
    total += n;
    for (int64_t b = 0; b < n; b += kChunk) out.push_back({(int64_t)i, b, std::min(n, b + kChunk)});
  }
  return out;
}

// Runs fn(chunk) for every chunk, on the pool when there is enough work and it is free.
template <class F>
void for_chunks(const std::vector<Chunk>& cs, int64_t total, F&& fn) {
  ParallelLock lock;
  int nt = 1;
  if (total >= kParallelMin && cs.size() > 1 && lock.held()) nt = lock.reserve((int)std::min<int64_t>(num_threads(), (int64_t)cs.size()));
  if (nt <= 1) {
    for (const Chunk& c : cs) fn(c);
    return;
  }
  run_tasks(nt, (int64_t)cs.size(), [&](int, int64_t t) { fn(cs[(size_t)t]); });
}

// The builtins, not std::sqrt: libstdc++'s float overload is a function of the default target,
// which GCC does not inline into a clone of another arch (a call per element, no vectorising).
ADJ_LOOP float root(float x) { return __builtin_sqrtf(x); }
ADJ_LOOP double root(double x) { return __builtin_sqrt(x); }

// The per-element loops, one per dtype, compiled for several ISAs (chosen at load time).
// No branch in the loop body (GCC then vectorises it): maximize is a factor of -1 on g, decoupled
// weight decay a factor on p (1 when off: exact); L2 weight decay and AMSGrad are template switches.
template <class T, bool Coupled, bool Amsgrad>
ADJ_LOOP void adam_loop(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vmax,
                        int64_t n, T b1, T b2, T eps, T wd, T decay, T step_size, T bc2, T sign) {
  const T ob1 = T(1) - b1, ob2 = T(1) - b2;
  for (int64_t i = 0; i < n; ++i) {
    T gi = sign * g[i];
    const T pi = p[i] * decay;
    if (Coupled) gi += wd * p[i];
    const T mi = b1 * m[i] + ob1 * gi;
    const T vi = b2 * v[i] + ob2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    T s = vi;
    if (Amsgrad) {
      s = vmax[i] > vi ? vmax[i] : vi;
      vmax[i] = s;
    }
    p[i] = pi - step_size * (mi / (root(s) / bc2 + eps));
  }
}
template <class T>
ADJ_LOOP void adam_switch(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, T b1, T b2, T eps, T wd, T decay, T ss, T bc2,
                          bool dec, bool max) {
  const T sign = max ? T(-1) : T(1);
  const bool coupled = !dec && wd != T(0);
  if (!dec) decay = T(1);
  if (coupled) {
    if (vmax) adam_loop<T, true, true>(p, g, m, v, vmax, n, b1, b2, eps, wd, decay, ss, bc2, sign);
    else adam_loop<T, true, false>(p, g, m, v, vmax, n, b1, b2, eps, wd, decay, ss, bc2, sign);
  } else {
    if (vmax) adam_loop<T, false, true>(p, g, m, v, vmax, n, b1, b2, eps, wd, decay, ss, bc2, sign);
    else adam_loop<T, false, false>(p, g, m, v, vmax, n, b1, b2, eps, wd, decay, ss, bc2, sign);
  }
}
ADJ_CLONES void adam_f32(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, float b1, float b2, float eps,
                         float wd, float decay, float ss, float bc2, bool dec, bool max) {
  adam_switch<float>(p, g, m, v, vmax, n, b1, b2, eps, wd, decay, ss, bc2, dec, max);
}
ADJ_CLONES void adam_f64(double* p, const double* g, double* m, double* v, double* vmax, int64_t n, double b1, double b2,
                         double eps, double wd, double decay, double ss, double bc2, bool dec, bool max) {
  adam_switch<double>(p, g, m, v, vmax, n, b1, b2, eps, wd, decay, ss, bc2, dec, max);
}
inline void adam_any(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, const AdamHyper& h, const AdamParamConst& c) {
  adam_f32(p, g, m, v, vmax, n, (float)h.b1, (float)h.b2, (float)h.eps, (float)h.weight_decay, (float)(1 - c.lr * h.weight_decay),
           (float)c.step_size, (float)c.bc2_sqrt, h.decoupled, h.maximize);
}
inline void adam_any(double* p, const double* g, double* m, double* v, double* vmax, int64_t n, const AdamHyper& h, const AdamParamConst& c) {
  adam_f64(p, g, m, v, vmax, n, h.b1, h.b2, h.eps, h.weight_decay, 1 - c.lr * h.weight_decay, c.step_size, c.bc2_sqrt, h.decoupled,
           h.maximize);
}

// Momentum (the stores into buf) is a template switch: GCC vectorises no loop with a conditional store.
template <class T, bool Momentum>
ADJ_LOOP void sgd_loop(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t n, T lr, T mu, T damp, T wd, bool fresh,
                       bool nesterov, bool maximize) {
  for (int64_t i = 0; i < n; ++i) {
    T d = maximize ? -g[i] : g[i];
    if (wd != T(0)) d += wd * p[i];
    if (Momentum) {
      const T b = fresh ? d : mu * buf[i] + (T(1) - damp) * d;
      buf[i] = b;
      d = nesterov ? d + mu * b : b;
    }
    p[i] -= lr * d;
  }
}
template <class T>
ADJ_LOOP void sgd_switch(T* p, const T* g, T* buf, int64_t n, T lr, T mu, T damp, T wd, bool fresh, bool nest, bool max) {
  if (buf) sgd_loop<T, true>(p, g, buf, n, lr, mu, damp, wd, fresh, nest, max);
  else sgd_loop<T, false>(p, g, buf, n, lr, mu, damp, wd, fresh, nest, max);
}
ADJ_CLONES void sgd_f32(float* p, const float* g, float* buf, int64_t n, float lr, float mu, float damp, float wd, bool fresh, bool nest, bool max) {
  sgd_switch<float>(p, g, buf, n, lr, mu, damp, wd, fresh, nest, max);
}
ADJ_CLONES void sgd_f64(double* p, const double* g, double* buf, int64_t n, double lr, double mu, double damp, double wd, bool fresh, bool nest,
                        bool max) {
  sgd_switch<double>(p, g, buf, n, lr, mu, damp, wd, fresh, nest, max);
}
inline void sgd_any(float* p, const float* g, float* b, int64_t n, const SgdHyper& h, bool fresh) {
  sgd_f32(p, g, b, n, (float)h.lr, (float)h.momentum, (float)h.dampening, (float)h.weight_decay, fresh, h.nesterov, h.maximize);
}
inline void sgd_any(double* p, const double* g, double* b, int64_t n, const SgdHyper& h, bool fresh) {
  sgd_f64(p, g, b, n, h.lr, h.momentum, h.dampening, h.weight_decay, fresh, h.nesterov, h.maximize);
}

// Sum of squares in double, kSumLanes independent partial sums (element i into sum i mod kSumLanes):
// whole vectors of doubles on every ISA and enough of them to hide the add latency (with 4
// sums, one ymm chain, the loop ran at one element per cycle), without reassociating floats.
constexpr int kSumLanes = 32;
template <class T>
ADJ_LOOP double sumsq_loop(const T* __restrict x, int64_t n) {
  double s[kSumLanes] = {};
  int64_t i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes)
    for (int j = 0; j < kSumLanes; ++j) s[j] += (double)x[i + j] * (double)x[i + j];
  for (int j = 0; i < n; ++i, ++j) s[j] += (double)x[i] * (double)x[i];
  for (int w = kSumLanes / 2; w > 0; w /= 2)
    for (int j = 0; j < w; ++j) s[j] += s[j + w];
  return s[0];
}
ADJ_CLONES double sumsq_f32(const float* x, int64_t n) { return sumsq_loop(x, n); }
ADJ_CLONES double sumsq_f64(const double* x, int64_t n) { return sumsq_loop(x, n); }
inline double sumsq_any(const float* x, int64_t n) { return sumsq_f32(x, n); }
inline double sumsq_any(const double* x, int64_t n) { return sumsq_f64(x, n); }

ADJ_CLONES void scale_f32(float* x, int64_t n, float c) { for (int64_t i = 0; i < n; ++i) x[i] *= c; }
ADJ_CLONES void scale_f64(double* x, int64_t n, double c) { for (int64_t i = 0; i < n; ++i) x[i] *= c; }
inline void scale_any(float* x, int64_t n, double c) { scale_f32(x, n, (float)c); }
inline void scale_any(double* x, int64_t n, double c) { scale_f64(x, n, c); }

}  // namespace

template <class T>
void adam_step(const std::vector<Slice<T>>& p, const std::vector<Slice<const T>>& g, const std::vector<Slice<T>>& m,
               const std::vector<Slice<T>>& v, const std::vector<Slice<T>>* vmax, const std::vector<AdamParamConst>& c,
               const AdamHyper& h) {
  int64_t total = 0;
  const std::vector<Chunk> cs = chunks_of(p, total);
  for_chunks(cs, total, [&](const Chunk& k) {
    const size_t i = (size_t)k.param;
    const int64_t b = k.begin, n = k.end - k.begin;
    adam_any(p[i].data + b, g[i].data + b, m[i].data + b, v[i].data + b, vmax ? (*vmax)[i].data + b : nullptr, n, h, c[i]);
  });
}

template <class T>
void sgd_step(const std::vector<Slice<T>>& p, const std::vector<Slice<const T>>& g, const std::vector<Slice<T>>& buf,
              const std::vector<uint8_t>& fresh, const SgdHyper& h) {
  int64_t total = 0;
  const std::vector<Chunk> cs = chunks_of(p, total);
  for_chunks(cs, total, [&](const Chunk& k) {
    const size_t i = (size_t)k.param;
    const int64_t b = k.begin, n = k.end - k.begin;
    sgd_any(p[i].data + b, g[i].data + b, buf.empty() ? nullptr : buf[i].data + b, n, h, !buf.empty() && fresh[i]);
  });
}

template <class T>
double sum_squares(const std::vector<Slice<const T>>& xs) {
  int64_t total = 0;
  const std::vector<Chunk> cs = chunks_of(xs, total);
  std::vector<double> partial(cs.size(), 0.0);  // one per chunk, summed in order: the result does not depend on threads
  for_chunks(cs, total, [&](const Chunk& k) {
    partial[(size_t)(&k - cs.data())] = sumsq_any(xs[(size_t)k.param].data + k.begin, k.end - k.begin);
  });
  double s = 0;
  for (double x : partial) s += x;
  return s;
}

template <class T>
void scale_all(const std::vector<Slice<T>>& xs, double c) {
  int64_t total = 0;
  const std::vector<Chunk> cs = chunks_of(xs, total);
  for_chunks(cs, total, [&](const Chunk& k) { scale_any(xs[(size_t)k.param].data + k.begin, k.end - k.begin, c); });
}

template void adam_step<float>(const std::vector<Slice<float>>&, const std::vector<Slice<const float>>&, const std::vector<Slice<float>>&,
                               const std::vector<Slice<float>>&, const std::vector<Slice<float>>*, const std::vector<AdamParamConst>&,
                               const AdamHyper&);
template void adam_step<double>(const std::vector<Slice<double>>&, const std::vector<Slice<const double>>&, const std::vector<Slice<double>>&,
                                const std::vector<Slice<double>>&, const std::vector<Slice<double>>*, const std::vector<AdamParamConst>&,
                                const AdamHyper&);
template void sgd_step<float>(const std::vector<Slice<float>>&, const std::vector<Slice<const float>>&, const std::vector<Slice<float>>&,
                              const std::vector<uint8_t>&, const SgdHyper&);
template void sgd_step<double>(const std::vector<Slice<double>>&, const std::vector<Slice<const double>>&, const std::vector<Slice<double>>&,
                               const std::vector<uint8_t>&, const SgdHyper&);
template double sum_squares<float>(const std::vector<Slice<const float>>&);
template double sum_squares<double>(const std::vector<Slice<const double>>&);
template void scale_all<float>(const std::vector<Slice<float>>&, double);
template void scale_all<double>(const std::vector<Slice<double>>&, double);

}  // namespace adj
