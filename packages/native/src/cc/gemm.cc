#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <new>
#include <string>

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
thread_local Workspace tls_bpack;  // B block shared by a region's threads
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

// Packs a kc x nc block of B on up to nt threads (groups of whole strips each),
// or on the caller alone when the block is small.
template <class T>
void pack_b_parallel(const GemmKernel<T>& K, int nt, int64_t kc, int64_t nc, const T* b, int64_t rsb, int64_t csb,
                     T* bp) {
  const int64_t strips = ceil_div(nc, K.nr);
  const int64_t groups = std::min<int64_t>(strips, 4 * (int64_t)nt);
  if (nt <= 1 || kc * nc < (1 << 15) || groups < 2) {
    K.pack_b(kc, nc, b, rsb, csb, bp);
    return;
  }
  run_tasks(nt, groups, [&](int, int64_t t) {
    int64_t j0, j1;
    part_range(strips, groups, t, K.nr, nc, j0, j1);
    if (j1 > j0) K.pack_b(kc, j1 - j0, b + j0 * csb, rsb, csb, bp + j0 * kc);
  });
}

template <class T>
void builtin(const GemmCall<T>& g) {
  const GemmKernel<T>& K = kernel<T>();
  // One row of A (decoding): unpacked and on this thread, where packing and
  // waking the pool would cost more than the product.
  if (g.m == 1 && K.gemv(g.n, g.k, g.alpha, g.a, g.csa, g.b, g.rsb, g.csb, g.c, g.beta1)) {
    for (int64_t bi = 1; bi < g.batch; ++bi)
      K.gemv(g.n, g.k, g.alpha, g.a + bi * g.sa, g.csa, g.b + bi * g.sb, g.rsb, g.csb, g.c + bi * g.sc, g.beta1);
    return;
  }
  const double item_flops = 2.0 * (double)g.m * (double)g.n * (double)g.k;
  const double flops = item_flops * (double)g.batch;
  const int want = (int)std::min<double>(num_threads(), std::max(1.0, flops / (double)gemm_tuning().min_flops_per_thread));
  ParallelLock lock;
  const int nt = want > 1 ? lock.reserve(want) : 1;

  if (nt <= 1) {
    T* ws = (T*)tls_workspace.get(K.workspace(g.m, g.n, g.k) * sizeof(T));
    for (int64_t bi = 0; bi < g.batch; ++bi)
      K.gemm(g.m, g.n, g.k, g.alpha, g.a + bi * g.sa, g.rsa, g.csa, g.b + bi * g.sb, g.rsb, g.csb, g.c + bi * g.sc,
             g.rsc, g.beta1, ws);
    return;
  }

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

  // Otherwise one product at a time: the caller packs each kc x nc block of B
  // once, then the threads share it, each packing its own rows of A. Tasks are
  // small and claimed dynamically, so a thread that starts late, or shares its
  // core with another process, does not hold the others up.
  const int64_t kcb = std::min<int64_t>(K.kc, ceil_div(g.k, ceil_div(g.k, K.kc)));
  const int64_t ncb = std::min<int64_t>(K.nc, g.n);
  T* bp = (T*)tls_bpack.get((size_t)(ceil_div(ncb, K.nr) * K.nr * kcb) * sizeof(T));
  workspaces((size_t)(K.mc * kcb + 64) * sizeof(T));
  // Tasks per region: at least 4 per thread, and about one per 4 MFLOP (at most
  // 64), so that a task a preempted thread holds on to is never a large share.
  const double region_flops = 2.0 * (double)g.m * (double)std::min<int64_t>(g.n, K.nc) * (double)kcb;
  const int64_t target = std::max<int64_t>(4 * nt, std::min<int64_t>(64, (int64_t)(region_flops / 4e6)));
  const int64_t row_units = ceil_div(g.m, K.mr);
  const int64_t m_parts = std::max<int64_t>(1, std::min(target, ceil_div(g.m, 4 * K.mr)));
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    const T* a = g.a + bi * g.sa;
    const T* b = g.b + bi * g.sb;
    T* c = g.c + bi * g.sc;
    for (int64_t jc = 0; jc < g.n; jc += K.nc) {
      const int64_t nc = std::min<int64_t>(K.nc, g.n - jc);
      const int64_t col_units = ceil_div(nc, K.nr);
      const int64_t n_parts = m_parts >= target ? 1 : std::max<int64_t>(1, std::min(ceil_div(target, m_parts), ceil_div(nc, 4 * K.nr)));
      for (int64_t pc = 0; pc < g.k; pc += kcb) {
        const int64_t kc = std::min(kcb, g.k - pc);
        pack_b_parallel(K, nt, kc, nc, b + pc * g.rsb + jc * g.csb, g.rsb, g.csb, bp);
        const bool acc = g.beta1 || pc > 0;
        run_tasks(nt, m_parts * n_parts, [&](int slot, int64_t t) {
          int64_t i0, i1, j0, j1;
          part_range(row_units, m_parts, t / n_parts, K.mr, g.m, i0, i1);
          part_range(col_units, n_parts, t % n_parts, K.nr, nc, j0, j1);
          if (i1 <= i0 || j1 <= j0) return;
          K.macro(i1 - i0, j1 - j0, kc, g.alpha, a + i0 * g.rsa + pc * g.csa, g.rsa, g.csa, bp + j0 * kc,
                  c + i0 * g.rsc + jc + j0, g.rsc, acc, ws[slot]);
        });
      }
    }
  }
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
  static GemmTuning t{1 << 19, 1 << 21};
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
