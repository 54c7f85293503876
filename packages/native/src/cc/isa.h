// The kernels one instruction set provides. Each isa_*.cc compiles
// kernels.inl with its own -m flags and returns one IsaTable; cpu.cc picks
// the best table the CPU supports at load time.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace adj {

template <class T>
struct GemmKernel {
  int mr, nr;  // register tile (the multi-threaded driver cuts C at multiples of them)
  // Workspace (elements of T, 64-byte aligned by the caller) gemm needs for this size.
  size_t (*workspace)(int64_t m, int64_t n, int64_t k);
  // Single-threaded C = alpha * A @ B + (beta1 ? C : 0), A m x k and B k x n
  // with any element strides (a transposed view is just other strides),
  // C m x n with rows rsc apart and unit column stride. Never reads C when !beta1.
  void (*gemm)(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t rsa, int64_t csa,
               const T* b, int64_t rsb, int64_t csb, T* c, int64_t rsc, bool beta1, T* ws);
  // One row of A (m = 1), unpacked: c[0:n] = alpha * a @ B (+ c when beta1) for k >= 1;
  // false (nothing done) unless B has unit column stride, or unit row stride and a unit column stride.
  // Each column's result does not depend on n or on where the columns start: gemv on a column
  // range [j0, j1) (b + j0 csb, c + j0, n = j1 - j0) gives bitwise those columns of the whole.
  bool (*gemv)(int64_t n, int64_t k, T alpha, const T* a, int64_t csa, const T* b, int64_t rsb, int64_t csb, T* c,
               bool beta1);
};

// Row-wise kernels over contiguous [rows, cols] (a row = the last dim), the
// same contracts as core's Backend (backend.ts). An output may equal an input
// exactly where the contract allows in-place use (checked in addon.cc).
template <class T>
struct RowKernels {
  // stream: the whole output is too large to stay in cache (non-temporal stores where available).
  void (*softmax)(const T* x, T* out, int64_t rows, int64_t cols, bool stream);
  void (*log_softmax)(const T* x, T* out, int64_t rows, int64_t cols);
  void (*softmax_backward)(const T* y, const T* gy, T* gx, int64_t rows, int64_t cols);
  void (*log_softmax_backward)(const T* y, const T* gy, T* gx, int64_t rows, int64_t cols);
  // y = (x - mean) * rstd * w + b per row (w, b may be null); writes mean[r], rstd[r].
  void (*layer_norm)(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, int64_t rows, int64_t cols,
                     double eps);
  // gx (may be null) per row; adds sum over these rows of gy * xhat to accw[0:cols] and
  // of gy to accb[0:cols] (each may be null): the caller sums threads' partials.
  void (*layer_norm_backward)(const T* x, const T* gy, const T* w, const T* mean, const T* rstd, T* gx, double* accw,
                              double* accb, int64_t rows, int64_t cols);
  // lse[r] = logsumexp(x[r]); loss[r] = lse - (1 - s) x[r, t] - (s / cols) sum x[r];
  // rows with t == ignore get 0, 0. Targets were validated (0 <= t < cols or == ignore).
  void (*cross_entropy)(const T* x, const int32_t* t, T* loss, T* lse, int64_t rows, int64_t cols, int32_t ignore,
                        double smoothing);
  // gx[r, c] = gloss[r] (exp(x[r, c] - lse[r]) - (1 - s) [c == t] - s / cols); ignored rows 0.
  void (*cross_entropy_backward)(const T* x, const int32_t* t, const T* lse, const T* gloss, T* gx, int64_t rows,
                                 int64_t cols, int32_t ignore, double smoothing);
  // rstd[r] = 1 / sqrt(mean(x[r]^2) + eps); y = x rstd w per row (w may be null).
  void (*rms_norm)(const T* x, const T* w, T* y, T* rstd, int64_t rows, int64_t cols, double eps);
  // gx (may be null) = rstd (h - xhat mean(h xhat)), h = gy w, xhat = x rstd; adds sum over these
  // rows of gy xhat to accw[0:cols] (may be null): the caller sums threads' partials.
  void (*rms_norm_backward)(const T* x, const T* gy, const T* w, const T* rstd, T* gx, double* accw, int64_t rows,
                            int64_t cols);
};

// Elementwise float32 GELU over n contiguous elements (core's Backend gelu /
// geluBackward); tanh: the tanh approximation. gx may be gy or x (in place).
struct GeluKernels {
  void (*forward)(const float* x, float* y, int64_t n, bool tanh);
  void (*backward)(const float* x, const float* gy, float* gx, int64_t n, bool tanh);
  // A linear layer's bias and GELU over [rows, cols]: pre = x + b per row (pre may be x), y = gelu(pre).
  void (*bias_forward)(const float* x, const float* b, float* pre, float* y, int64_t rows, int64_t cols, bool tanh);
  // gx = gy gelu'(pre) (gx may be gy); adds each row of gx to acc[0:cols] in row order when acc.
  void (*bias_backward)(const float* pre, const float* gy, float* gx, double* acc, int64_t rows, int64_t cols,
                        bool tanh);
};

// One (batch, head) pair of scaled dot-product attention (core's Backend
// attention / attentionBackward for that pair): q [L, E], k [S, E], v [S, Ev],
// mask [L, S] (null: none), gOut [L, Ev] are read through row and column
// strides; probs and gScores are contiguous [L, S]; out, gq, gk, gv have unit
// column strides (gq / gk / gv null: not wanted; added to with acc). With
// causal, query i sees keys j < i + qoff + 1 only, and products skip the keys
// (and queries) that a causal row cannot see.
template <class T>
struct AttentionHead {
  int64_t L, S, E, Ev;
  T scale;
  bool causal, acc;
  int64_t qoff;
  const T* q; int64_t qrs, qcs;
  const T* k; int64_t krs, kcs;
  const T* v; int64_t vrs, vcs;
  const T* mask; int64_t mrs, mcs;
  const T* g; int64_t grs, gcs;
  T* probs;
  T* gs;
  T* out; int64_t ors;
  T* gq; int64_t gqrs;
  T* gk; int64_t gkrs;
  T* gv; int64_t gvrs;
};

template <class T>
struct AttentionKernels {
  // Elements of T one call needs as scratch (either direction).
  int64_t (*workspace)(int64_t L, int64_t S, int64_t E, int64_t Ev);
  // probs = softmax(scale q k^T + mask, causal), out = probs v.
  void (*forward)(const AttentionHead<T>& h, T* ws);
  // gs = dS, gq = scale dS k, gk = scale dS^T q, gv = probs^T gOut (see backend.ts).
  void (*backward)(const AttentionHead<T>& h, T* ws);
};

// y = relu(x); gx = x > 0 ? gy : 0 (gx may be gy or x: in place).
struct UnaryKernels {
  void (*relu)(const float* x, float* y, int64_t n);
  void (*relu_backward)(const float* x, const float* gy, float* gx, int64_t n);
};

struct IsaTable {
  const char* name;
  GemmKernel<float> sgemm;
  GemmKernel<double> dgemm;
  RowKernels<float> rows_f32;
  GeluKernels gelu_f32;
  // acc[0:cols] += each row of a contiguous float32 [rows, cols] block, in row order (a bias gradient).
  void (*column_sums_f32)(const float* x, double* acc, int64_t rows, int64_t cols);
  AttentionKernels<float> attention_f32;
  AttentionKernels<double> attention_f64;
  // Benchmark probe: runs iters steps of fma_probe_flops float32 FLOP (independent vector
  // FMA chains, no memory traffic); returns a value that depends on every result.
  float (*fma_probe)(int64_t iters);
  int fma_probe_flops;
  // Benchmark probe: the sum of n floats at p (64-byte aligned; n a multiple of
  // read_probe_floats), read once front to back with full-vector loads.
  float (*read_probe)(const float* p, int64_t n);
  int read_probe_floats;
  // Elementwise float32 ReLU over n contiguous elements (core's `unary` relu, reluBackward).
  UnaryKernels unary_f32;
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
