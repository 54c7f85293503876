// The shape of build/Release/adjoint_native.node (src/cc/addon.cc). Every
// function checks its arguments and throws TypeError/RangeError naming itself.
export type FloatArray = Float32Array | Float64Array

export interface AddonInfo {
  /** Kernel set in use: 'avx512' | 'avx2' | 'portable' (| 'avx2-wide-tiles', test only). */
  isa: string
  /** Kernel sets this CPU can run, best first. */
  isas: string[]
  /** What gemm uses now: 'openblas' (linked and not switched off) or 'builtin'. */
  blas: 'openblas' | 'builtin'
  openblasLinked: boolean
  /** OpenBLAS's kernel family for this CPU (e.g. 'Haswell', 'Zen'), '' when not linked. */
  openblasCore: string
  openblasConfig: string
  threads: number
  defaultThreads: number
}

export interface NativeAddon {
  /** Same contract as core's Backend.gemm (GemmArgs), positional; float32 or float64, one dtype for all three. */
  gemm(
    a: FloatArray, aOffset: number, aBatchStride: number, aRowStride: number, aColStride: number,
    b: FloatArray, bOffset: number, bBatchStride: number, bRowStride: number, bColStride: number,
    c: FloatArray, cOffset: number, cBatchStride: number, cRowStride: number,
    batch: number, m: number, n: number, k: number, alpha: number, beta: number,
  ): void
  softmax(x: FloatArray, out: FloatArray, rows: number, cols: number): void
  logSoftmax(x: FloatArray, out: FloatArray, rows: number, cols: number): void
  softmaxBackward(y: FloatArray, gy: FloatArray, gx: FloatArray, rows: number, cols: number): void
  logSoftmaxBackward(y: FloatArray, gy: FloatArray, gx: FloatArray, rows: number, cols: number): void
  /**
   * Fused softmax cross-entropy over contiguous logits [rows, cols]:
   * loss[r] = logsumexp(logits[r]) - logits[r, targets[r]], and when grad is given,
   * grad[r] = scale * (softmax(logits[r]) - onehot(targets[r])). Rows whose target is
   * ignoreIndex get loss 0 and a zero grad row. Returns the number of rows not ignored.
   */
  crossEntropy(
    logits: FloatArray, targets: Int32Array, rows: number, cols: number,
    loss: FloatArray, grad: FloatArray | null, scale: number, ignoreIndex: number,
  ): number
  info(): AddonInfo
  /** Threads for the addon's pool and OpenBLAS's (process-wide), 1..256. */
  setNumThreads(n: number): void
  /** Forces a kernel set ('portable', 'avx2', ...); throws RangeError if this CPU cannot run it. */
  setIsa(isa: string): void
  /** 'builtin' forces adjoint's own gemm even when OpenBLAS is linked; 'auto' (= 'openblas') undoes it. */
  setGemmImpl(impl: 'auto' | 'openblas' | 'builtin'): void
  /** Benchmark knobs: see src/cc/gemm.h and rows.h. */
  setTuning(minFlopsPerThread: number, blasMinBatchedFlops: number, rowsParallelMinElements: number): void
  /** Seconds per float32 C = A @ B timed inside C++ ('cblas': cblas_sgemm directly; 'driver': the addon's dispatch). */
  timeGemm(m: number, n: number, k: number, iters: number, how: 'cblas' | 'driver'): number
}
