#include "attention.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "cpu.h"
#include "gemm.h"
#include "threadpool.h"

namespace adj {
namespace {

template <class T>
const AttentionKernels<T>& kernels();
template <>
const AttentionKernels<float>& kernels<float>() { return isa().attention_f32; }
template <>
const AttentionKernels<double>& kernels<double>() { return isa().attention_f64; }

struct Dim4 {
  int64_t extent, stride;
};

// True when no two index tuples of the layout reach the same element: with the
// dims sorted by |stride|, each stride exceeds the farthest offset the smaller
// ones reach (a sufficient condition, met by every non-overlapping view).
bool injective(std::vector<Dim4> dims) {
  dims.erase(std::remove_if(dims.begin(), dims.end(), [](const Dim4& d) { return d.extent <= 1; }), dims.end());
  for (Dim4& d : dims) d.stride = d.stride < 0 ? -d.stride : d.stride;
  std::sort(dims.begin(), dims.end(), [](const Dim4& a, const Dim4& b) { return a.stride < b.stride; });
  int64_t reach = 0;
  for (const Dim4& d : dims) {
    if (d.stride <= reach) return false;
    reach += (d.extent - 1) * d.stride;
  }
  return true;
}

template <class T>
std::vector<Dim4> dims_of(const Operand4<T>& o, int64_t batch, int64_t heads, int64_t rows, int64_t cols) {
  return {{batch, o.sb}, {heads, o.sh}, {rows, o.rs}, {cols, o.cs}};
}

// Elements [lo, hi] (addresses / sizeof(T)) a layout reaches.
template <class T>
std::pair<intptr_t, intptr_t> reach_of(const T* p, const std::vector<Dim4>& dims) {
  intptr_t lo = (intptr_t)p / (intptr_t)sizeof(T), hi = lo;
  for (const Dim4& d : dims) {
    if (d.extent <= 0) return {1, 0};
    (d.stride < 0 ? lo : hi) += (intptr_t)((d.extent - 1) * d.stride);
  }
  return {lo, hi};
}

// Whether the outputs (each [batch, heads, rows_i, cols_i]) can be written by one task
// per (batch, head) at once: no element is written by two different heads. Proven
// when each output is injective and they lie apart; or they are the same layout (q,
// k, v one tensor: a head adds its three gradients into its own elements); or they
// are translates of one layout by 0, d, 2d... (q, k, v split from one packed
// projection) whose union, with the translation as a fifth dim, is injective.
// Anything else runs serially.
template <class T>
bool heads_write_apart(const std::vector<const Operand4<T>*>& outs, const std::vector<std::pair<int64_t, int64_t>>& sizes,
                       int64_t batch, int64_t heads) {
  std::vector<const Operand4<T>*> u;
  std::vector<std::vector<Dim4>> ud;
  for (size_t i = 0; i < outs.size(); ++i) {
    const std::vector<Dim4> d = dims_of(*outs[i], batch, heads, sizes[i].first, sizes[i].second);
    bool dup = false;
    for (size_t j = 0; j < u.size(); ++j) {
      bool same = outs[i]->p == u[j]->p;
      for (size_t x = 0; x < 4; ++x) same = same && d[x].extent == ud[j][x].extent && d[x].stride == ud[j][x].stride;
      dup = dup || same;
    }
    if (dup) continue;
    if (!injective(d)) return false;
    u.push_back(outs[i]), ud.push_back(d);
  }
  bool apart = true;
  for (size_t i = 0; i < u.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      const auto a = reach_of(u[i]->p, ud[i]), b = reach_of(u[j]->p, ud[j]);
      if (a.first <= a.second && b.first <= b.second && a.first <= b.second && b.first <= a.second) apart = false;
    }
  if (apart) return true;
  std::vector<size_t> order(u.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return u[a]->p < u[b]->p; });
  {
    std::vector<const Operand4<T>*> su;
    std::vector<std::vector<Dim4>> sd;
    for (size_t i : order) su.push_back(u[i]), sd.push_back(ud[i]);
    u.swap(su), ud.swap(sd);
  }
  const int64_t step = u[1]->p - u[0]->p;
  if (step <= 0) return false;
  for (size_t j = 1; j < u.size(); ++j) {
    if (u[j]->p - u[0]->p != (int64_t)j * step) return false;
    for (size_t x = 0; x < 4; ++x)
      if (ud[j][x].extent != ud[0][x].extent || ud[j][x].stride != ud[0][x].stride) return false;
  }
  std::vector<Dim4> d = ud[0];
  d.push_back({(int64_t)u.size(), step});
  return injective(d);
}

// The head (b, h) of a call.
template <class T>
AttentionHead<T> head(const AttentionCall<T>& c, int64_t b, int64_t h) {
  auto at = [&](const Operand4<T>& o) { return o.p ? o.p + b * o.sb + h * o.sh : nullptr; };
  const int64_t ps = (b * c.heads + h) * c.L * c.S;
  AttentionHead<T> r;
  r.L = c.L, r.S = c.S, r.E = c.E, r.Ev = c.Ev, r.scale = c.scale, r.causal = c.causal, r.acc = c.acc, r.qoff = c.qoff;
  r.q = at(c.q), r.qrs = c.q.rs, r.qcs = c.q.cs;
  r.k = at(c.k), r.krs = c.k.rs, r.kcs = c.k.cs;
  r.v = at(c.v), r.vrs = c.v.rs, r.vcs = c.v.cs;
  r.mask = at(c.mask), r.mrs = c.mask.rs, r.mcs = c.mask.cs;
  r.g = at(c.g), r.grs = c.g.rs, r.gcs = c.g.cs;
  r.probs = c.probs + ps;
  r.gs = c.gs ? c.gs + ps : nullptr;
  r.out = at(c.out), r.ors = c.out.rs;
  r.gq = at(c.gq), r.gqrs = c.gq.rs;
  r.gk = at(c.gk), r.gkrs = c.gk.rs;
  r.gv = at(c.gv), r.gvrs = c.gv.rs;
  return r;
}

// Runs fn(head, workspace) for every (batch, head): on several threads when the
// work is large enough (gemm's min_flops_per_thread) and `apart` says the heads'
// outputs do not overlap; heads in order on this thread otherwise.
template <class T, class Apart, class F>
void for_each_head(const AttentionCall<T>& c, double flops, Apart&& apart, F&& fn) {
  const int64_t tasks = c.batch * c.heads;
  if (tasks <= 0 || c.L <= 0) return;
  const int64_t ws_len = kernels<T>().workspace(c.L, c.S, c.E, c.Ev) + 64;
  ParallelLock lock;
  int nt = (int)std::min<double>({(double)num_threads(), (double)tasks,
                                  std::max(1.0, flops / (double)gemm_tuning().min_flops_per_thread)});
  if (nt > 1 && apart()) nt = lock.reserve(nt);
  else nt = 1;
  std::vector<T> ws((size_t)(ws_len * nt));
  if (nt <= 1) {
    for (int64_t t = 0; t < tasks; ++t) fn(head(c, t / c.heads, t % c.heads), ws.data());
    return;
  }
  run_tasks(nt, tasks, [&](int slot, int64_t t) { fn(head(c, t / c.heads, t % c.heads), ws.data() + slot * ws_len); });
}

}  // namespace

template <class T>
void attention_forward(const AttentionCall<T>& c) {
  const AttentionKernels<T>& K = kernels<T>();
  const double flops = 2.0 * c.batch * c.heads * c.L * c.S * (c.E + c.Ev);
  for_each_head(c, flops, [&] { return heads_write_apart<T>({&c.out}, {{c.L, c.Ev}}, c.batch, c.heads); },
                [&](const AttentionHead<T>& h, T* ws) { K.forward(h, ws); });
}

template <class T>
void attention_backward(const AttentionCall<T>& c) {
  const AttentionKernels<T>& K = kernels<T>();
  const double flops = 2.0 * c.batch * c.heads * c.L * c.S * (2 * c.E + 2 * c.Ev);
  auto apart = [&] {
    std::vector<const Operand4<T>*> outs;
    std::vector<std::pair<int64_t, int64_t>> sizes;
    if (c.gq.p) outs.push_back(&c.gq), sizes.push_back({c.L, c.E});
    if (c.gk.p) outs.push_back(&c.gk), sizes.push_back({c.S, c.E});
    if (c.gv.p) outs.push_back(&c.gv), sizes.push_back({c.S, c.Ev});
    return heads_write_apart<T>(outs, sizes, c.batch, c.heads);
  };
  for_each_head(c, flops, apart, [&](const AttentionHead<T>& h, T* ws) { K.backward(h, ws); });
}

template void attention_forward<float>(const AttentionCall<float>&);
template void attention_forward<double>(const AttentionCall<double>&);
template void attention_backward<float>(const AttentionCall<float>&);
template void attention_backward<double>(const AttentionCall<double>&);

}  // namespace adj
