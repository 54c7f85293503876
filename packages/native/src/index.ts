// @adjoint/native: importing it registers the N-API kernels (gemm, softmax
// family, layer norm, cross-entropy, GELU) into @adjoint/core's backend, like a TF.js backend package. When the
// addon is not built, fails to load, or ADJOINT_NATIVE=0, nothing is registered
// and core keeps its pure-TS kernels (nativeInfo() is then null).
import { referenceBackend, registerKernels } from '@adjoint/core'
import type { AddonInfo, NativeAddon } from './addon.js'
import { nativeKernels } from './kernels.js'
import { loadAddon } from './loader.js'

export type { AddonInfo, NativeAddon } from './addon.js'
export { setSmallGemmThreshold } from './kernels.js'

const { addon, reason } = loadAddon()
if (addon) registerKernels('native', nativeKernels(addon, referenceBackend))

export interface NativeInfo {
  loaded: true
  /** What gemm runs on: OpenBLAS (when linked and not switched off) or adjoint's own kernel. */
  blas: 'openblas' | 'builtin'
  /** Kernel set in use ('avx512' | 'avx2' | 'portable'). */
  isa: string
  threads: number
  /** Everything the addon reports (ISAs this CPU can run, OpenBLAS core, ...). */
  details: AddonInfo
}

/** What the native backend runs on, or null when it is not loaded. */
export function nativeInfo(): NativeInfo | null {
  if (!addon) return null
  const d = addon.info()
  return { loaded: true, blas: d.blas, isa: d.isa, threads: d.threads, details: d }
}

/** Why the addon is not loaded ('' when it is). */
export function nativeUnavailableReason(): string {
  return reason
}

/** The raw addon (for tests and benchmarks), or null. */
export function nativeAddon(): NativeAddon | null {
  return addon
}

/**
 * Threads for gemm/softmax (the addon's pool and OpenBLAS's), process-wide.
 * Default: ADJOINT_NUM_THREADS, else the CPUs this process may use. No-op
 * without the addon (the TS kernels are single-threaded).
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`setNumThreads: expected an integer in [1, 256], got ${n}`)
  addon?.setNumThreads(n)
}

/**
 * Which gemm runs when OpenBLAS is linked: 'builtin' forces adjoint's own
 * kernel (for comparing), 'auto' restores the default. No-op without the addon.
 */
export function setGemmImpl(impl: 'auto' | 'builtin'): void {
  addon?.setGemmImpl(impl)
}
