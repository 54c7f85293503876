#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <new>
#include <string>
#include <type_traits>

#include "blas.h"
#include "cpu.h"
#include "threadpool.h"

namespace adj {
namespace {

std::atomic<GemmImpl> g_impl{GemmImpl::Auto};
std::atomic<GemmImpl> g_auto_impl{GemmImpl::Builtin};

// 64-byte aligned scratch that only grows.
struct Workspace {
  void* p = nullptr;
  size_t bytes = 0;
  Workspace() = default;
  Workspace(const Workspace&) = delete;
  ~Workspace() { std::free(p); }
  void* get(size_t n) {  // throws std::bad_alloc
    if (n > bytes) {
      std::free(p);
      p = nullptr;
      bytes = 0;
      const size_t rounded = (n + 63) / 64 * 64;
      p = std::aligned_alloc(64, rounded);
      if (!p) throw std::bad_alloc();
      bytes = rounded;
    }
    return p;
  }
};

// Thread 0 of a region is the calling JS thread: its own workspace. Pool
// threads 1.. use these, guarded by the ParallelLock (one region at a time).
thread_local Workspace tls_workspace;
Workspace g_pool_workspaces[256];

template <class T>
const GemmKernel<T>& kernel();
template <>
const GemmKernel<float>& kernel<float>() { return isa().sgemm; }
template <>
const GemmKernel<double>& kernel<double>() { return isa().dgemm; }

// How op(X) of a rows x cols operand looks to a row-major BLAS: trans and ld, or false.
bool blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs, bool& trans, int64_t& ld) {
  if (cs == 1 && (rows == 1 || rs >= cols)) {
    trans = false;
    ld = rows == 1 ? std::max<int64_t>(cols, 1) : rs;
  } else if (rs == 1 && (cols == 1 || cs >= rows)) {
    trans = true;
    ld = cols == 1 ? std::max<int64_t>(rows, 1) : cs;
  } else if (cols == 1 && rs >= 1) {
    trans = false;
    ld = rs;
  } else if (rows == 1 && cs >= 1) {
    trans = true;
    ld = cs;
  } else {
    return false;
  }
  return ld <= INT_MAX;
}

template <class T>
bool try_blas(const GemmCall<T>& g) {
  bool ta, tb;
  int64_t lda, ldb;
  if (!blas_layout(g.m, g.k, g.rsa, g.csa, ta, lda) || !blas_layout(g.k, g.n, g.rsb, g.csb, tb, ldb)) return false;
  const int64_t ldc = g.m == 1 ? std::max<int64_t>(g.n, 1) : g.rsc;
  if (ldc < g.n || ldc > INT_MAX) return false;
  ParallelLock lock;  // OpenBLAS's threads count as ours: never both at once
  if (!lock.held()) return false;
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    blas_gemm(ta, tb, (int)g.m, (int)g.n, (int)g.k, g.alpha, g.a + bi * g.sa, (int)lda, g.b + bi * g.sb, (int)ldb,
              g.beta1 ? T(1) : T(0), g.c + bi * g.sc, (int)ldc);
  }
  return true;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Splits [0, units) into `parts` nearly equal ranges; returns range p scaled by unit, clipped to limit.
void part_range(int64_t units, int64_t parts, int64_t p, int64_t unit, int64_t limit, int64_t& lo, int64_t& hi) {
  lo = std::min(limit, units * p / parts * unit);
  hi = std::min(limit, units * (p + 1) / parts * unit);
}

// Columns of a one-row product as tasks: part 0 (the caller's) is [0, cut1),
// part t >= 1 [cut1 + (t - 1) step, + step), clipped to n. A's row is
// contiguous; Rows: B's rows are (stride = B's row stride), else B's columns
// (stride = B's column stride). For float it is 48 bytes, small enough to travel
// inline in the line a worker polls (TaskFn): a worker reads nothing else of
// the caller's but A's row.
template <class T, bool Rows, bool Beta1>
struct GemvParts {
  const T* a;
  const T* b;
  T* c;
  int32_t n, k, stride, cut1, step;
  T alpha;
  void operator()(int, int64_t t) const {
    const int64_t lo = t == 0 ? 0 : cut1 + (t - 1) * (int64_t)step;
    const int64_t hi = t == 0 ? cut1 : std::min<int64_t>(n, lo + step);
    if (hi <= lo) return;
    if (Rows)
      kernel<T>().gemv(hi - lo, k, alpha, a, 1, b + lo, stride, 1, c + lo, Beta1);
    else
      kernel<T>().gemv(hi - lo, k, alpha, a, 1, b + lo * (int64_t)stride, 1, stride, c + lo, Beta1);
  }
};
static_assert(sizeof(GemvParts<float, true, true>) <= TaskFn::kInline, "a decode part travels inline");

// The caller's share of a split one-row product, per floor(log2(bytes of B)) (0:
// not set yet), read and adjusted under the ParallelLock; and when the last
// one-row call found the workers asleep (steady_clock ticks).
float g_decode_shares[64];
std::atomic<int64_t> g_last_asleep_call{INT64_MIN / 2};

// One row of A (decoding), unpacked (packing would cost more than the
// product), batch items one after another. A single product large enough
// (decode_split_min_bytes of B) is cut into column ranges that the caller and
// the pool workers that are awake right now compute (a wake-up would cost more
// than the whole product: none is waited for). The kernel computes a column the
// same way in any range (kernels_gemv.inl), so the result does not depend on the
// threads; cuts fall on 64-byte lines of B's rows (B's columns: on the kernel's
// groups of 4). When the workers sleep but the previous call that found them
// asleep was recent (decoding), they are woken without waiting, for the next calls.
//
// A worker starts its range a cross-core hand-off (~0.2 µs on the Xeon VM) after
// the caller, fetches A's row from the caller's cache, and signals its end as
// late, which matters on a ~2 µs product: the caller takes the larger share,
// `share` of the columns for 2 threads, adjusted after every call (larger when
// the caller had to wait for a worker, smaller when not), per size class of B,
// so that both sides end together on this machine.
template <class T>
bool one_row(const GemmCall<T>& g, const GemmKernel<T>& K) {
  const int64_t bytes = g.n * g.k * (int64_t)sizeof(T);
  const bool rows = g.csb == 1, splittable = (g.csa == 1 || g.k == 1) && (rows || g.rsb == 1);
  const int64_t stride = rows ? g.rsb : g.csb;
  if (g.batch == 1 && splittable && num_threads() > 1 && bytes >= gemm_tuning().decode_split_min_bytes &&
      g.n <= INT32_MAX && g.k <= INT32_MAX && stride >= INT32_MIN && stride <= INT32_MAX) {
    ParallelLock lock;
    const int nt = lock.awake(std::min(num_threads(), 16));
    if (nt > 1) {
      float& share = g_decode_shares[63 - __builtin_clzll((uint64_t)bytes)];
      if (share == 0) share = 0.6f;
      // the caller's range weighs w workers' ranges: share of n for 2 threads (w / (w + 1) = share)
      const float w = share / (1.0f - share), total = w + (float)(nt - 1);
      // cuts on 64-byte lines of B's rows (Rows), else on the kernel's groups of 4 columns (powers of 2)
      const int64_t line = rows ? 64 / (int64_t)sizeof(T) : 4;
      const int64_t last_line = (g.n - 1) & -line;  // every worker gets a line at least
      const int64_t cut1 = std::min(last_line, std::max(line, ((int64_t)((float)g.n * (w / total)) + line / 2) & -line));
      // 2 threads (the usual case): the worker takes the rest, no division
      const int64_t step = nt == 2 ? g.n - cut1 : (ceil_div(g.n - cut1, nt - 1) + line - 1) & -line;
      const int64_t parts = cut1 < g.n ? (nt == 2 ? 2 : 1 + ceil_div(g.n - cut1, step)) : 1;
      if (parts > 1) {
        bool waited;
        auto run = [&](auto rows_c, auto beta1_c) {
          const GemvParts<T, rows_c, beta1_c> part{g.a, g.b, g.c, (int32_t)g.n, (int32_t)g.k, (int32_t)stride,
                                                   (int32_t)cut1, (int32_t)step, g.alpha};
          waited = run_tasks((int)parts, parts, part, Wake::Awake);
        };
        const auto yes = std::true_type{};
        const auto no = std::false_type{};
        if (rows)
          g.beta1 ? run(yes, yes) : run(yes, no);
        else
          g.beta1 ? run(no, yes) : run(no, no);
        share = std::min(0.85f, std::max(0.35f, share + (waited ? 1.0f : -1.0f) / 64));
        return true;
      }
    } else if (lock.held()) {
      using Clock = std::chrono::steady_clock;
      const int64_t now = Clock::now().time_since_epoch().count();
      const int64_t before = g_last_asleep_call.exchange(now, std::memory_order_relaxed);
      if (now - before < std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(200)).count()) {
        lock.reserve(2);
        wake_workers();
      }
    }
  }
  for (int64_t bi = 0; bi < g.batch; ++bi)
    if (!K.gemv(g.n, g.k, g.alpha, g.a + bi * g.sa, g.csa, g.b + bi * g.sb, g.rsb, g.csb, g.c + bi * g.sc, g.beta1))
      return false;
  return true;
}

template <class T>
void builtin(const GemmCall<T>& g) {
  const GemmKernel<T>& K = kernel<T>();
  if (g.m == 1 && one_row(g, K)) return;
  const double item_flops = 2.0 * (double)g.m * (double)g.n * (double)g.k;
  const double flops = item_flops * (double)g.batch;
  const double per_thread = (double)gemm_tuning().min_flops_per_thread;
  // (a small product skips the division and num_threads(): ~0.3% of 64 x 64 x 32)
  const int want = flops < 2 * per_thread ? 1 : (int)std::min<double>(num_threads(), flops / per_thread);
  auto serial = [&] {
    T* ws = (T*)tls_workspace.get(K.workspace(g.m, g.n, g.k) * sizeof(T));
    for (int64_t bi = 0; bi < g.batch; ++bi)
      K.gemm(g.m, g.n, g.k, g.alpha, g.a + bi * g.sa, g.rsa, g.csa, g.b + bi * g.sb, g.rsb, g.csb, g.c + bi * g.sc,
             g.rsc, g.beta1, ws);
  };
  if (want <= 1) return serial();  // no lock: a small product's atomic exchange and release cost ~1% of it
  ParallelLock lock;
  const int nt = lock.reserve(want);
  if (nt <= 1) return serial();

  // Every slot's workspace is allocated here, on the calling thread, where a
  // failure can still become a JS exception. Slot 0 is the caller.
  T* ws[256];
  auto workspaces = [&](size_t bytes) {
    ws[0] = (T*)tls_workspace.get(bytes);
    for (int s = 1; s < nt; ++s) ws[s] = (T*)g_pool_workspaces[s].get(bytes);
  };

  // Many independent products: one task per batch item, each a serial gemm.
  if (g.batch >= 4 * nt || (g.batch >= nt && g.batch % nt == 0)) {
    workspaces(K.workspace(g.m, g.n, g.k) * sizeof(T));
    run_tasks(nt, g.batch, [&](int slot, int64_t bi) {
      K.gemm(g.m, g.n, g.k, g.alpha, g.a + bi * g.sa, g.rsa, g.csa, g.b + bi * g.sb, g.rsb, g.csb, g.c + bi * g.sc,
             g.rsc, g.beta1, ws[slot]);
    });
    return;
  }

  // Otherwise each product is cut into nt parts, by rows of C or by columns,
  // and each part is a serial gemm that packs its own operands: every core then
  // streams them from its own L2. (A packed B shared by the threads is read from
  // the other core's cache, and its blocks need a barrier each: measured 1.2-1.6x
  // on 2 threads against 1.85-2.0x this way.) Every part packs the whole of the
  // operand the parts share, B (k x n) when cut by rows, A (m x k) by columns:
  // the cut goes along the longer side of C, so that the smaller one is packed
  // twice (the halves' CPU time against the whole's, 1 thread: 512^3 rows 1.018,
  // columns 0.982; 1024^3 0.971 / 0.939; 128x768x512 tn 1.078 / 0.963;
  // 768x512x128 nn 0.961 / 1.042). A square C is cut by rows: by columns both
  // cores pack the same blocks of A at once (for nn a transposition, read from
  // L3 by both), and the 2-thread wall time was longer although the halves' CPU
  // time is less (2 threads, by rows against by columns, medians of 60
  // interleaved pairs on the Xeon: 1024^3 0.917, 768^3 0.943, 512^3 1.003).
  // Parts are claimed dynamically, so a worker that wakes late finds its part
  // done by the caller instead of holding it up.
  // Each element of C is computed by the same operations in the same order
  // whatever the split: results do not depend on the thread count.
  const bool rows_fit = g.m >= 2 * (int64_t)nt * K.mr, cols_fit = g.n >= 2 * (int64_t)nt * K.nr;
  const bool by_rows = !cols_fit || (rows_fit && g.n <= g.m);
  const int64_t units = by_rows ? ceil_div(g.m, K.mr) : ceil_div(g.n, K.nr);
  const int64_t parts = std::min<int64_t>(nt, units);
  workspaces(K.workspace(by_rows ? ceil_div(units, parts) * K.mr : g.m, by_rows ? g.n : ceil_div(units, parts) * K.nr,
                         g.k) *
             sizeof(T));
  run_tasks(nt, g.batch * parts, [&](int slot, int64_t t) {
    const int64_t bi = t / parts, p = t % parts;
    int64_t lo, hi;
    part_range(units, parts, p, by_rows ? K.mr : K.nr, by_rows ? g.m : g.n, lo, hi);
    if (hi <= lo) return;
    const T* a = g.a + bi * g.sa;
    const T* b = g.b + bi * g.sb;
    T* c = g.c + bi * g.sc;
    if (by_rows)
      K.gemm(hi - lo, g.n, g.k, g.alpha, a + lo * g.rsa, g.rsa, g.csa, b, g.rsb, g.csb, c + lo * g.rsc, g.rsc,
             g.beta1, ws[slot]);
    else
      K.gemm(g.m, hi - lo, g.k, g.alpha, a, g.rsa, g.csa, b + lo * g.csb, g.rsb, g.csb, c + lo, g.rsc, g.beta1,
             ws[slot]);
  });
}

}  // namespace

void set_gemm_impl(GemmImpl impl) { g_impl.store(impl); }
GemmImpl gemm_impl() { return g_impl.load(); }
void set_auto_gemm_impl(GemmImpl impl) { g_auto_impl.store(impl == GemmImpl::Blas ? GemmImpl::Blas : GemmImpl::Builtin); }
GemmImpl resolved_gemm_impl() {
  const GemmImpl i = g_impl.load();
  const GemmImpl r = i == GemmImpl::Auto ? g_auto_impl.load() : i;
  return r == GemmImpl::Blas && blas_linked() ? GemmImpl::Blas : GemmImpl::Builtin;
}

GemmTuning& gemm_tuning() {
  static GemmTuning t{1 << 19, 1 << 21, 96 << 10};
  return t;
}

template <class T>
void gemm(const GemmCall<T>& g) {
  if (g.batch <= 0 || g.m <= 0 || g.n <= 0) return;
  if (g.k <= 0) {
    if (!g.beta1)
      for (int64_t bi = 0; bi < g.batch; ++bi)
        for (int64_t i = 0; i < g.m; ++i) std::fill_n(g.c + bi * g.sc + i * g.rsc, g.n, T(0));
    return;
  }
  if (resolved_gemm_impl() == GemmImpl::Blas) {
    // Small products (e.g. per-head attention matrices) run faster on the own
    // kernel: less call overhead than OpenBLAS, and batches of them are spread
    // over the pool, where OpenBLAS would do one small product at a time.
    const double item_flops = 2.0 * (double)g.m * (double)g.n * (double)g.k;
    if (item_flops >= (double)gemm_tuning().blas_min_flops && try_blas(g)) return;
  }
  builtin(g);
}

template void gemm<float>(const GemmCall<float>&);
template void gemm<double>(const GemmCall<double>&);

}  // namespace adj
