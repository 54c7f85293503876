// The compute kernels, written once with GCC/Clang vector extensions and
// compiled once per instruction set: each isa_*.cc defines ADJ_VBYTES (the
// vector width in bytes: 64 AVX-512, 32 AVX2, 16 SSE2/NEON) and includes this
// file inside an anonymous namespace, with its own -m flags.
//
// No C++ standard header may be included from here: everything below has
// internal linkage, so no function compiled with -mavx512f can be merged (ODR)
// with a copy that a CPU without AVX-512 would then run.

typedef float vf __attribute__((vector_size(ADJ_VBYTES)));
typedef double vd __attribute__((vector_size(ADJ_VBYTES)));
typedef int32_t vi __attribute__((vector_size(ADJ_VBYTES)));
typedef int64_t vl __attribute__((vector_size(ADJ_VBYTES)));
// Unaligned, aliasing-safe views for loads and stores.
typedef float vf_u __attribute__((vector_size(ADJ_VBYTES), aligned(4), may_alias));
typedef double vd_u __attribute__((vector_size(ADJ_VBYTES), aligned(8), may_alias));

template <class T> struct Vec;
// M: the integer vector of the same lane count (shuffle masks).
template <> struct Vec<float> { typedef vf V; typedef vf_u U; typedef vi M; };
template <> struct Vec<double> { typedef vd V; typedef vd_u U; typedef vl M; };

// A vector's lanes reduced by halves: lanes i and i + h combined for h = L/2, ..., 1
// (a chain of log2(L) steps instead of L - 1 serial ones, which bound every kernel
// over short rows: softmax of attention rows, layer norm over 128 columns). Lane
// sums add in this order everywhere (Gemv's transpose_sum does it for L columns
// at once), and results depend on it bitwise. The halves are read through a
// union (GCC and Clang).
template <class T, int N>
struct VecN {
  typedef T V __attribute__((vector_size(N * sizeof(T))));
};
template <class H, class V>
union Halves {
  V v;
  H h[2];
};
template <class T, int N = sizeof(typename Vec<T>::V) / sizeof(T), class F>
inline T fold_lanes(typename VecN<T, N>::V v, F op) {
  if constexpr (N == 2) {
    return op(v[0], v[1]);
  } else {
    const Halves<typename VecN<T, N / 2>::V, typename VecN<T, N>::V> x = {v};
    return fold_lanes<T, N / 2>(op(x.h[0], x.h[1]), op);
  }
}
inline float lane_sum(vf v) { return fold_lanes<float>(v, [](auto a, auto b) { return a + b; }); }
inline double lane_sum(vd v) { return fold_lanes<double>(v, [](auto a, auto b) { return a + b; }); }

inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
// Splits `total` into ceil(total / max) nearly equal blocks, each a multiple of `unit`.
// One block (the common case for the small products of a training step) skips
// the divisions by a run-time count (~15 cycles each, a dozen per small gemm).
inline int64_t balanced_block(int64_t total, int64_t max, int64_t unit) {
  if (total <= max) return imin(max, round_up(total, unit));
  const int64_t blocks = (total + max - 1) / max;
  return imin(max, round_up((total + blocks - 1) / blocks, unit));
}

#include "kernels_gemm.inl"  // GEMM: packed panels around a register-blocked micro-kernel
#include "kernels_gemv.inl"  // one row of A (decoding): straight from B, no packing
#include "kernels_rows.inl"  // row-wise float32 kernels: softmax family, layer norm, cross-entropy
#include "kernels_gelu.inl"  // GELU forward / backward (float32)
#include "kernels_unary.inl"  // ReLU forward / backward (float32)
#include "kernels_rmsnorm.inl"  // RMS norm forward / backward (float32)
#include "kernels_attention.inl"  // scaled dot-product attention of one (batch, head), both dtypes

// The FMA peak: independent chains (more than FMA latency x ports on current
// x86 cores, few enough to stay in registers with x and y: 16 of 32 zmm, 12 of
// 16 ymm/xmm), each step acc = acc * x + y on full vectors.
constexpr int kFmaChains = ADJ_VBYTES == 64 ? 16 : 12;
float fma_probe(int64_t iters) {
  vf acc[kFmaChains];
  for (int j = 0; j < kFmaChains; ++j) acc[j] = vf{} + 0.001f * (float)(j + 1);
  vf x = vf{} + 0.999999f, y = vf{} + 1e-7f;
  asm volatile("" : "+x"(x), "+x"(y));  // not known at compile time: no folding
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < kFmaChains; ++j) acc[j] = acc[j] * x + y;
  float s = 0;
  for (int j = 0; j < kFmaChains; ++j) s += acc[j][0];
  return s;
}
constexpr int kFmaProbeFlops = kFmaChains * 2 * (int)(ADJ_VBYTES / sizeof(float));

// The read peak: sums n floats at p (64-byte aligned, n a multiple of 8 vectors)
// into 8 independent vector chains, one full-vector load each step: what one
// core streams from the cache level that holds p (a one-row product reads each
// element of B once, so this bounds it).
float read_probe(const float* p, int64_t n) {
  constexpr int kL = (int)(ADJ_VBYTES / sizeof(float));
  vf acc[8] = {};
  for (int64_t i = 0; i < n; i += 8 * kL)
    for (int j = 0; j < 8; ++j) acc[j] += *(const vf*)(p + i + j * kL);
  for (int j = 1; j < 8; ++j) acc[0] += acc[j];
  return lane_sum(acc[0]);
}
constexpr int kReadProbeFloats = 8 * (int)(ADJ_VBYTES / sizeof(float));

#define ADJ_GEMM_ENTRY(T, MR, NV, MC, KC, NC)                                                     \
  {MR, Gemm<T, MR, NV, MC, KC, NC>::NR, &Gemm<T, MR, NV, MC, KC, NC>::workspace,                    \
   &Gemm<T, MR, NV, MC, KC, NC>::run, &Gemv<T>::run}

#define ADJ_ATTENTION_ENTRY(T) {&attention_workspace<T>, &attention_forward<T>, &attention_backward<T>}

#define ADJ_ISA_TABLE(NAME, SMR, SNV, SMC, SKC, SNC, DMR, DNV, DMC, DKC, DNC)                       \
  {                                                                                                \
    NAME,                                                                                          \
    ADJ_GEMM_ENTRY(float, SMR, SNV, SMC, SKC, SNC),                                                \
    ADJ_GEMM_ENTRY(double, DMR, DNV, DMC, DKC, DNC),                                               \
    {&softmax_f32, &log_softmax_f32, &softmax_backward_f32, &log_softmax_backward_f32,             \
     &layer_norm_f32, &layer_norm_backward_f32, &cross_entropy_f32, &cross_entropy_backward_f32,    \
     &rms_norm_f32, &rms_norm_backward_f32},                                                        \
    {&gelu_f32, &gelu_backward_f32, &bias_gelu_f32, &bias_gelu_backward_f32},                      \
    &column_sums_f32,                                                                              \
    ADJ_ATTENTION_ENTRY(float),                                                                    \
    ADJ_ATTENTION_ENTRY(double),                                                                   \
    &fma_probe,                                                                                    \
    kFmaProbeFlops,                                                                                \
    &read_probe,                                                                                   \
    kReadProbeFloats,                                                                              \
    {&relu_f32, &relu_backward_f32},                                                               \
  }
