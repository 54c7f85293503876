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

std::atomic<GemmImpl> g_impl{[] {
  const char* s = std::getenv("ADJOINT_GEMM");
  return s && std::string(s) == "builtin" ? GemmImpl::Builtin : GemmImpl::Auto;
}()};

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

int64_t gcd(int64_t a, int64_t b) {
  while (b) {
    const int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

template <class T>
void builtin(const GemmCall<T>& g) {
  const GemmKernel<T>& K = kernel<T>();
  const double flops = 2.0 * (double)g.batch * (double)g.m * (double)g.n * (double)g.k;
  int want = (int)std::min<double>(num_threads(), std::max(1.0, flops / (double)gemm_tuning().min_flops_per_thread));

  // Work = batch x parts, parts splitting the larger of m and n, so that the
  // number of tasks divides evenly among the threads where possible.
  ParallelLock lock;
  const int nt = want > 1 ? lock.reserve(want) : 1;
  int64_t parts = nt / gcd(g.batch, nt);
  const bool split_m = g.m >= g.n;
  const int64_t unit = split_m ? K.mr : K.nr;
  const int64_t units = ((split_m ? g.m : g.n) + unit - 1) / unit;
  parts = std::max<int64_t>(1, std::min(parts, units));
  const int64_t tasks = g.batch * parts;
  const int threads = (int)std::min<int64_t>(nt, tasks);

  const int64_t part_m = split_m ? std::min(g.m, ((units + parts - 1) / parts) * unit) : g.m;
  const int64_t part_n = split_m ? g.n : std::min(g.n, ((units + parts - 1) / parts) * unit);
  const size_t ws_bytes = K.workspace(part_m, part_n, g.k) * sizeof(T);
  // Allocate every thread's workspace here, on the calling thread, where a
  // failure can still become a JS exception.
  T* ws[256];
  ws[0] = (T*)tls_workspace.get(ws_bytes);
  for (int t = 1; t < threads; ++t) ws[t] = (T*)g_pool_workspaces[t].get(ws_bytes);

  auto work = [&](int t) {
    const int64_t lo = tasks * t / threads, hi = tasks * (t + 1) / threads;
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t bi = task / parts, part = task % parts;
      const int64_t u0 = units * part / parts, u1 = units * (part + 1) / parts;
      int64_t i0 = 0, i1 = g.m, j0 = 0, j1 = g.n;
      if (split_m) {
        i0 = std::min(g.m, u0 * unit);
        i1 = std::min(g.m, u1 * unit);
      } else {
        j0 = std::min(g.n, u0 * unit);
        j1 = std::min(g.n, u1 * unit);
      }
      if (i1 <= i0 || j1 <= j0) continue;
      K.gemm(i1 - i0, j1 - j0, g.k, g.alpha, g.a + bi * g.sa + i0 * g.rsa, g.rsa, g.csa,
             g.b + bi * g.sb + j0 * g.csb, g.rsb, g.csb, g.c + bi * g.sc + i0 * g.rsc + j0, g.rsc, g.beta1, ws[t]);
    }
  };
  run_parallel(threads, work);
}

}  // namespace

void set_gemm_impl(GemmImpl impl) { g_impl.store(impl); }
GemmImpl gemm_impl() { return g_impl.load(); }

GemmTuning& gemm_tuning() {
  static GemmTuning t{1 << 21, 1 << 21};
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
  if (blas_linked() && gemm_impl() != GemmImpl::Builtin) {
    const double item_flops = 2.0 * (double)g.m * (double)g.n * (double)g.k;
    const bool small_batched = g.batch > 1 && num_threads() > 1 && item_flops < (double)gemm_tuning().blas_min_batched_flops;
    if (!small_batched && try_blas(g)) return;
  }
  builtin(g);
}

template void gemm<float>(const GemmCall<float>&);
template void gemm<double>(const GemmCall<double>&);

}  // namespace adj
