// The shape of build/Release/adjoint_native.node (src/cc/bind_*.cc). Every
// function checks its arguments and throws TypeError/RangeError naming itself.
export type FloatArray = Float32Array | Float64Array

export interface AddonInfo {
  /** Kernel set in use: 'avx512' | 'avx2' | 'portable' (| 'avx2-wide-tiles', test only). */
  isa: string
  /** Kernel sets this CPU can run, best first. */
  isas: string[]
  /** Every kernel set built into the addon, whether or not this CPU runs it (tests report the others as skipped). */
  compiledIsas: string[]
  /** Tasks run by the pool's worker threads (not the caller) since load: tests check parallel regions used them. */
  poolWorkerTasks: number
  /** What gemm runs now: 'openblas' or 'builtin' (gemmImpl, with 'auto' resolved). */
  blas: 'openblas' | 'builtin'
  /** What was asked for: 'auto' (the measured choice, setAutoGemmImpl), 'openblas' or 'builtin'. */
  gemmImpl: 'auto' | 'openblas' | 'builtin'
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
  /** Same contracts as core's Backend fused kernels (layerNorm, crossEntropy and their backwards). */
  layerNorm(x: FloatArray, w: FloatArray | null, b: FloatArray | null, y: FloatArray, mean: FloatArray, rstd: FloatArray, rows: number, cols: number, eps: number): void
  layerNormBackward(x: FloatArray, gy: FloatArray, w: FloatArray | null, mean: FloatArray, rstd: FloatArray, gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null, rows: number, cols: number): void
  crossEntropy(x: FloatArray, target: Int32Array, loss: FloatArray, lse: FloatArray, rows: number, cols: number, ignoreIndex: number, labelSmoothing: number): void
  crossEntropyBackward(x: FloatArray, target: Int32Array, lse: FloatArray, gLoss: FloatArray, gx: FloatArray, rows: number, cols: number, ignoreIndex: number, labelSmoothing: number): void
  /** Same contracts as core's Backend.gelu / geluBackward, float32 only (TypeError otherwise). */
  gelu(x: Float32Array, y: Float32Array, n: number, approximate: boolean): void
  geluBackward(x: Float32Array, gy: Float32Array, gx: Float32Array, n: number, approximate: boolean): void
  /** Same contracts as core's OptimizerKernels (float32 or float64, one type per call); consts: 3 numbers per parameter. */
  adamStep(params: FloatArray[], grads: FloatArray[], expAvg: FloatArray[], expAvgSq: FloatArray[], maxExpAvgSq: FloatArray[] | null, consts: Float64Array, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, maximize: boolean): void
  sgdStep(params: FloatArray[], grads: FloatArray[], momentumBuffers: FloatArray[] | null, fresh: Int32Array, lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, maximize: boolean): void
  sumSquares(arrays: FloatArray[]): number
  scaleAll(arrays: FloatArray[], c: number): void
  /**
   * out[r * cols + c] = a[aOffset + r aRowStride + c aColStride] op b[...] (column strides 0 or 1; one float type;
   * out may be a itself laid out contiguously, else no overlap).
   */
  binary2d(op: 'add' | 'sub' | 'mul' | 'div', a: FloatArray, aOffset: number, aRowStride: number, aColStride: number, b: FloatArray, bOffset: number, bRowStride: number, bColStride: number, out: FloatArray, rows: number, cols: number): void
  info(): AddonInfo
  /** Threads for the addon's pool and OpenBLAS's (process-wide), 1..256. */
  setNumThreads(n: number): void
  /** Forces a kernel set ('portable', 'avx2', ...); throws RangeError if this CPU cannot run it. */
  setIsa(isa: string): void
  /** 'builtin' forces adjoint's own gemm, 'openblas' OpenBLAS (when linked), 'auto' what setAutoGemmImpl chose. */
  setGemmImpl(impl: 'auto' | 'openblas' | 'builtin'): void
  /** What 'auto' runs (decided by measurement in src/gemm-choice.ts; 'builtin' until then). */
  setAutoGemmImpl(impl: 'openblas' | 'builtin'): void
  /** Benchmark/test knobs (see src/cc/gemm.h and rows.h); returns the previous four values. */
  setTuning(minFlopsPerThread: number, blasMinFlops: number, rowsParallelMinElements: number, streamMinBytes: number): number[]
  /**
   * [wall, calling thread's CPU] seconds per float32 C = op(A) @ op(B) timed inside C++ (no N-API per call):
   * 'cblas' = cblas_sgemm directly, 'own' = the built-in kernel, both on `threads` threads (default 1);
   * 'driver' = the addon's dispatch and thread setting. layout 'nt' = A @ B^T (nn.Linear), 'tn' = A^T @ B.
   */
  timeGemm(m: number, n: number, k: number, iters: number, how: 'cblas' | 'own' | 'driver', layout?: 'nn' | 'nt' | 'tn', threads?: number): [number, number]
  /** [wall, thread CPU] GFLOP/s of independent vector FMAs with the ISA's vectors on this thread: the measured FMA peak. */
  fmaPeak(isa: string, iters: number): [number, number]
  /** The core clock in GHz from a timed chain of dependent adds (0 where not measured): for benchmarks. */
  cpuClockGHz(): number
}
