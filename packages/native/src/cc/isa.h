// The kernels one instruction set provides. Each isa_*.cc compiles
// kernels.inl with its own -m flags and returns one IsaTable; cpu.cc picks
// the best table the CPU supports at load time.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace adj {

template <class T>
struct GemmKernel {
  int mr, nr;  // register tile
  // Workspace (elements of T, 64-byte aligned by the caller) gemm needs for this size.
  size_t (*workspace)(int64_t m, int64_t n, int64_t k);
  // Single-threaded C = alpha * A @ B + (beta1 ? C : 0), A m x k and B k x n
  // with any element strides (a transposed view is just other strides),
  // C m x n with rows rsc apart and unit column stride. Never reads C when !beta1.
  void (*gemm)(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t rsa, int64_t csa,
               const T* b, int64_t rsb, int64_t csb, T* c, int64_t rsc, bool beta1, T* ws);
};

// Row-wise kernels over contiguous [rows, cols]; out may equal the input exactly.
template <class T>
struct RowKernels {
  void (*softmax)(const T* x, T* out, int64_t rows, int64_t cols);
  void (*log_softmax)(const T* x, T* out, int64_t rows, int64_t cols);
  void (*softmax_backward)(const T* y, const T* gy, T* gx, int64_t rows, int64_t cols);
  void (*log_softmax_backward)(const T* y, const T* gy, T* gx, int64_t rows, int64_t cols);
  // loss[r] = logsumexp(x[r]) - x[r, t[r]] (0 where t[r] == ignore); if grad is not
  // null, grad[r] = scale * (softmax(x[r]) - onehot(t[r])) (0 rows where ignored).
  // Targets must have been validated (0 <= t < cols or t == ignore).
  void (*cross_entropy)(const T* x, const int32_t* t, int64_t rows, int64_t cols, int32_t ignore,
                        T scale, T* loss, T* grad);
};

struct IsaTable {
  const char* name;
  GemmKernel<float> sgemm;
  GemmKernel<double> dgemm;
  RowKernels<float> rows_f32;
};

// Defined by the isa_*.cc files that are compiled for this target.
const IsaTable* isa_portable();
#if defined(__x86_64__) || defined(_M_X64)
const IsaTable* isa_avx2();
const IsaTable* isa_avx512();
// Test-only: the AVX-512 tile shapes (12x32 float, 12x16 double) compiled for
// AVX2, so the wide tiles' edge handling is exercised on CPUs without AVX-512.
const IsaTable* isa_avx2_wide_tiles();
#endif

}  // namespace adj
