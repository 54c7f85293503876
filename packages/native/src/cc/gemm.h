// Batched, strided GEMM driver: picks OpenBLAS or the built-in kernel, splits
// the work over threads. Arguments must have been validated (napi_args).
#pragma once
#include <cstdint>

namespace adj {

// C[b] = alpha * A[b] @ B[b] + (beta1 ? C[b] : 0). Pointers point at element 0
// of batch 0 (offsets already applied); any stride may be 0 or negative except
// C's column stride, which is 1.
template <class T>
struct GemmCall {
  int64_t batch, m, n, k;
  T alpha;
  bool beta1;
  const T* a;
  int64_t sa, rsa, csa;
  const T* b;
  int64_t sb, rsb, csb;
  T* c;
  int64_t sc, rsc;
};

enum class GemmImpl { Auto, Builtin, Blas };
// Builtin: always the built-in kernel. Blas: OpenBLAS when linked, for products of at
// least blas_min_flops in a layout BLAS takes (the rest runs built-in). Auto: whichever
// of the two set_auto_gemm_impl chose (the TS side decides by measurement,
// src/gemm-choice.ts); Builtin until it does.
void set_gemm_impl(GemmImpl impl);
GemmImpl gemm_impl();
void set_auto_gemm_impl(GemmImpl builtin_or_blas);
// What runs now: Builtin or Blas (Blas only when OpenBLAS is linked).
GemmImpl resolved_gemm_impl();

template <class T>
void gemm(const GemmCall<T>& g);

// Tuning knobs (measured; see docs/benchmarks.md).
struct GemmTuning {
  int64_t min_flops_per_thread;  // fewer threads when a product has less work than this per thread
  int64_t blas_min_flops;        // products (per matrix) below this use the own kernel even with OpenBLAS
  int64_t decode_split_min_bytes;  // one-row products with less B than this stay on the calling thread
};
GemmTuning& gemm_tuning();

}  // namespace adj
