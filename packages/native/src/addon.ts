// The shape of build/Release/adjoint_native.node (src/cc/bind_*.cc). Every
// function checks its arguments and throws TypeError/RangeError naming itself.
// The kernels' types come from core's table (KERNELS); only the native-only
// functions (binary2d, settings, probes) are written here.
import type { ArgKind, ArgKinds, FlatKernelFn, KernelName, KernelTable } from '@adjoint/core'
import type { PackedLayout } from './layout-pack.js'

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
  /** One message per invalid ADJOINT_SPIN_US / ADJOINT_NUM_THREADS (src/cc/env.h); the loader throws them. */
  envErrors: string[]
}

/** One argument of a kernel binding as the addon declares it (src/cc/kernel_args.h); kinds are core's. */
export interface NativeArgSpec {
  name: string
  kind: ArgKind
  /** Array kinds: the element types the binding takes ('float32', 'float64', 'int32'). */
  dtypes: string[]
}

/** The kernels of core's table that the addon binds (kernels.ts forwards core's calls to them), typed from that table (struct arguments flattened). */
export const NATIVE_KERNELS = [
  'gemm', 'softmax', 'logSoftmax', 'softmaxBackward', 'logSoftmaxBackward', 'layerNorm', 'layerNormBackward',
  'crossEntropy', 'crossEntropyBackward', 'gelu', 'geluBackward', 'biasGelu', 'biasGeluBackward', 'columnSums', 'adamStep', 'sgdStep', 'sumSquares', 'scaleAll',
  'attention', 'attentionBackward', 'unary', 'reluBackward', 'rmsNorm', 'rmsNormBackward', 'indexSelect', 'indexAdd',
] as const satisfies readonly KernelName[]
export type NativeKernelName = typeof NATIVE_KERNELS[number]
/** What each kind is when it reaches the addon: core's, except layouts, which cross packed (layout-pack.ts). */
export type NativeArgKinds = Omit<ArgKinds, 'layout' | 'layout?'> & { layout: PackedLayout, 'layout?': PackedLayout | null }
export type NativeKernels = { [K in NativeKernelName]: FlatKernelFn<KernelTable[K], NativeArgKinds> }

export interface NativeAddon extends NativeKernels {
  /** Every binding declared with ADJ_KERNEL and its arguments; specs.test.ts checks them against core's KERNELS. */
  kernelSpecs(): Record<string, NativeArgSpec[]>
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
  /** Benchmark/test knobs (see src/cc/gemm.h and rows.h); returns the previous five values. */
  setTuning(minFlopsPerThread: number, blasMinFlops: number, rowsParallelMinElements: number, streamMinBytes: number, decodeSplitMinBytes?: number): number[]
  /**
   * What the thread pool's workers did since load: tasks run, times a worker stopped spinning and blocked
   * (sleeps), tasks given back to a caller that had taken them back (givenBack), how many are not blocked now,
   * and their OS thread ids (Linux; for /proc/self/task/<tid>/schedstat).
   */
  poolState(): { workerTasks: number, sleeps: number, givenBack: number, awake: number, tids: number[] }
  /** Tests: pool workers sleep `us` µs after seeing a region, before taking their task (where 1) or before checking it was taken back (2); 0 ends it. */
  poolTestDelay(where: 0 | 1 | 2, us: number): void
  /**
   * [wall, calling thread's CPU] seconds per float32 C = op(A) @ op(B) timed inside C++ (no N-API per call):
   * 'cblas' = cblas_sgemm directly, 'own' = the built-in kernel, both on `threads` threads (default 1);
   * 'apart' = the built-in kernel on one thread, on each of `threads` threads at once (per call of each);
   * 'driver' = the addon's dispatch and thread setting. layout 'nt' = A @ B^T (nn.Linear), 'tn' = A^T @ B.
   */
  timeGemm(m: number, n: number, k: number, iters: number, how: 'cblas' | 'own' | 'apart' | 'driver', layout?: 'nn' | 'nt' | 'tn', threads?: number): [number, number]
  /**
   * GFLOP/s of independent vector FMAs with the ISA's vectors (the measured FMA peak), on `threads` threads at
   * once (default 1): [wall (all threads' total), calling thread's CPU time].
   */
  fmaPeak(isa: string, iters: number, threads?: number): [number, number]
  /**
   * [best, median] GB/s at which one core reads a buffer of `kib` KiB with the ISA's vectors (each of `passes`
   * passes timed alone, after one untimed pass that brings it into cache): the floor of a one-row product, which
   * reads all of B once.
   */
  readPeak(isa: string, kib: number, passes: number): [number, number]
  /**
   * [seconds per region, fraction of regions a pool worker joined] of `iters` back-to-back 2-thread regions with
   * empty tasks, run as the decode split runs them (only an awake worker joins): the hand-off's own cost.
   */
  poolRoundTrip(iters: number): [number, number]
  /** How long pool workers spin after a task before they block, µs (ADJOINT_SPIN_US at load); returns the previous value. */
  setSpinMicros(us: number): number
  /** The address of x's first data byte modulo 64 (aligned-arrays.ts). */
  dataAlignment(x: ArrayBuffer | ArrayBufferView): number
  /** The core clock in GHz from a timed chain of dependent adds (0 where not measured): for benchmarks. */
  cpuClockGHz(): number
}
