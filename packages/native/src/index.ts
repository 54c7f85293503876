// @adjoint/native: importing it registers the N-API kernels (gemm, softmax
// family, layer norm, cross-entropy, GELU) into @adjoint/core's backend, like a TF.js backend package. When the
// addon is not built, fails to load, or ADJOINT_NATIVE=0, nothing is registered
// and core keeps its pure-TS kernels (nativeInfo() is then null).
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { referenceBackend, registerKernels, setArraySource } from '@adjoint/core'
import type { AddonInfo, NativeAddon } from './addon.js'
import { alignedArraySource } from './aligned-arrays.js'
import { CHOICE_SHAPES, chooseGemm, type GemmChoice, type GemmTiming, parseGemmEnv } from './gemm-choice.js'
import { nativeKernels } from './kernels.js'
import { loadAddon } from './loader.js'

export type { AddonInfo, NativeAddon } from './addon.js'
export type { GemmChoice, GemmTiming } from './gemm-choice.js'
export { setSmallGemmThreshold } from './kernels.js'
export { packLayout, MAX_PACKED_DIMS, type PackedLayout } from './layout-pack.js'

const { addon, reason, file } = loadAddon()
// A bad ADJOINT_GEMM fails at import, before any result could silently differ.
if (addon) parseGemmEnv(process.env.ADJOINT_GEMM)
if (addon) registerKernels('native', nativeKernels(addon, referenceBackend, () => gemmChoice()))
// core's arrays of 4 KiB or more start on a 64-byte line (aligned-arrays.ts)
if (addon) setArraySource(alignedArraySource(addon))

let choice: GemmChoice | null = null

/** Both gemms on CHOICE_SHAPES, one thread, best of 3 samples of ~3 ms (thread CPU time). */
function measureGemms(a: NativeAddon): GemmTiming[] {
  return CHOICE_SHAPES.map(([m, k, n]) => {
    const iters = Math.max(1, Math.round(3e-3 * 1e11 / (2 * m * n * k)))
    const best = (how: 'own' | 'cblas') => Math.min(...[0, 1, 2].map(() => a.timeGemm(m, n, k, iters, how)[1]))
    return { shape: `${m}x${k}x${n}`, ownSec: best('own'), blasSec: best('cblas') }
  })
}

/**
 * What 'auto' runs (OpenBLAS or the own kernel) and why; decided at the first
 * gemm (or nativeInfo()) of the process: ADJOINT_GEMM, else the cached
 * decision for this CPU, else a measurement of ~0.2 s that is then cached.
 */
function gemmChoice(): GemmChoice | null {
  if (!addon) return null
  if (!choice) {
    const d = addon.info()
    choice = chooseGemm({
      linked: d.openblasLinked,
      isa: d.isa,
      core: d.openblasCore,
      cpuModel: cpus()[0]?.model ?? 'unknown CPU',
      env: process.env.ADJOINT_GEMM,
      cacheFile: file ? join(dirname(file), 'gemm-choice.json') : null,
      measure: () => measureGemms(addon),
    })
    addon.setAutoGemmImpl(choice.impl)
  }
  return choice
}

export interface NativeInfo {
  loaded: true
  /** What gemm runs on now: OpenBLAS or adjoint's own kernel. */
  blas: 'openblas' | 'builtin'
  /** What 'auto' chose and why (e.g. "own avx512 kernel; OpenBLAS (core Prescott) measured 3.9x slower"). */
  gemm: GemmChoice
  /** Kernel set in use ('avx512' | 'avx2' | 'portable'). */
  isa: string
  threads: number
  /** Everything the addon reports (ISAs this CPU can run, OpenBLAS core, ...). */
  details: AddonInfo
}

/** What the native backend runs on, or null when it is not loaded. */
export function nativeInfo(): NativeInfo | null {
  const g = gemmChoice()
  if (!addon || !g) return null
  const d = addon.info()
  return { loaded: true, blas: d.blas, gemm: g, isa: d.isa, threads: d.threads, details: d }
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
 * kernel, 'openblas' OpenBLAS (for comparing), 'auto' restores the measured
 * choice (nativeInfo().gemm). No-op without the addon.
 */
export function setGemmImpl(impl: 'auto' | 'builtin' | 'openblas'): void {
  if (impl === 'auto') gemmChoice()
  addon?.setGemmImpl(impl)
}
