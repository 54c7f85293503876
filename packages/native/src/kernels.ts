// Core's kernels that the addon binds (NATIVE_KERNELS), forwarded by functions
// generated from core's table and the addon's declarations (forward.ts). A row
// of WHEN below adds a condition for going native; anything the addon does not
// do (mixed dtypes, float64 for a float32-only binding) or would do slower than
// TS (tiny gemm, where the N-API boundary dominates, short optimizer lists)
// goes to the reference kernel: never a silently different result.
import type { Backend, FloatArray } from '@adjoint/core'
import { NATIVE_KERNELS, type NativeAddon, type NativeKernelName } from './addon.js'
import { elementwiseKernels } from './elementwise-kernels.js'
import { forwarder, type When } from './forward.js'

/**
 * gemm with batch * m * n * k below this stays in TS: a native call costs
 * ~0.5 µs of boundary, about what the TS kernel needs for 8x8x8 (measured, see
 * docs/benchmarks.md). Tune with `setSmallGemmThreshold`.
 */
export let smallGemmThreshold = 512

export function setSmallGemmThreshold(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`setSmallGemmThreshold: expected an integer >= 0, got ${n}`)
  smallGemmThreshold = n
}

/** Below this many elements in all, the TS optimizer loops are as fast as crossing into C++. */
const MIN_OPTIM_ELEMENTS = 2048

/** True when every array of the lists is a Float32Array, or every one a Float64Array, and there are enough elements. */
function worthNative(...lists: (FloatArray[] | null)[]): boolean {
  const first = lists[0]
  if (first === null || first.length === 0) return false
  const f32 = first[0] instanceof Float32Array
  let n = 0
  for (const list of lists) {
    if (list === null) continue
    for (const x of list) if (f32 ? !(x instanceof Float32Array) : !(x instanceof Float64Array)) return false
  }
  for (const x of first) n += x.length
  return n >= MIN_OPTIM_ELEMENTS
}

/** Below this many picked elements (rows x inner) an index kernel stays in TS. */
const MIN_INDEX_ELEMENTS = 1024

/** Below this many elements the TS relu loop is as fast as crossing into C++. */
const MIN_UNARY_ELEMENTS = 2048

type WhenRules = { [K in NativeKernelName]: When<K> | null }

/** The conditions beyond element types; beforeFirstGemm runs once, before the first gemm reaches the addon (index.ts decides OpenBLAS vs own there). */
function whenRules(beforeFirstGemm: () => void): WhenRules {
  let first = true
  return {
    gemm: (_a, aLayout, _b, _bLayout, _c, cLayout) => {
      if (cLayout.numel() * aLayout.shape[aLayout.shape.length - 1] < smallGemmThreshold) return false
      if (first) {
        first = false
        beforeFirstGemm()
      }
      return true
    },
    softmax: null,
    logSoftmax: null,
    softmaxBackward: null,
    logSoftmaxBackward: null,
    layerNorm: null,
    layerNormBackward: null,
    rmsNorm: null,
    rmsNormBackward: null,
    crossEntropy: null,
    crossEntropyBackward: null,
    gelu: null,
    geluBackward: null,
    biasGelu: null,
    biasGeluBackward: null,
    // a bias gradient: float32 in C++, anything else (float64, int32) in TS
    columnSums: (x, _xOffset, out) => x instanceof Float32Array && out instanceof Float32Array,
    adamStep: (params, grads, expAvg, expAvgSq, maxExpAvgSq) => worthNative(params, grads, expAvg, expAvgSq, maxExpAvgSq),
    sgdStep: (params, grads, momentumBuffers) => worthNative(params, grads, momentumBuffers),
    sumSquares: (arrays) => worthNative(arrays),
    scaleAll: (arrays) => worthNative(arrays),
    // one query row (decoding a token against a KV cache) stays in TS, whose gemv reads the cache
    // in place: the addon packs k^T per head first, ~2x the gemv path's CPU time there (bench:attention)
    // relu on float32 only (the binding's one op; x and out are `array`s, not checked by the forwarder)
    unary: (op, x, out, n) => op === 'relu' && n >= MIN_UNARY_ELEMENTS && x instanceof Float32Array && out instanceof Float32Array,
    reluBackward: (_x, _gy, _gx, n) => n >= MIN_UNARY_ELEMENTS,
    // embedding rows and their gradient: float32 only (x / out are `array`s, any typed array), enough elements to cross
    indexSelect: (x, out, _outer, _dimSize, inner, index) => x instanceof Float32Array && out instanceof Float32Array && inner * index.length >= MIN_INDEX_ELEMENTS,
    indexAdd: (src, out, _outer, _dimSize, inner, index) => src instanceof Float32Array && out instanceof Float32Array && inner * index.length >= MIN_INDEX_ELEMENTS,
    attention: (a) => a.qLayout.shape[2] > 1,
    attentionBackward: (a) => a.qLayout.shape[2] > 1,
  }
}

export function nativeKernels(addon: NativeAddon, reference: () => Backend, beforeFirstGemm: () => void = () => {}): Partial<Backend> {
  if (typeof addon.kernelSpecs !== 'function') throw new Error('@adjoint/native: the addon predates kernelSpecs() (a stale build); rebuild it: pnpm build:native')
  const specs = addon.kernelSpecs()
  const when = whenRules(beforeFirstGemm) as Record<NativeKernelName, When<NativeKernelName> | null>
  const out: Partial<Record<NativeKernelName, unknown>> = {}
  for (const name of NATIVE_KERNELS) {
    if (specs[name] === undefined) continue // an addon built before this kernel: the reference stays
    out[name] = forwarder(name, addon[name] as (...args: never[]) => unknown, specs[name], reference, when[name])
  }
  return { ...(out as Partial<Backend>), ...elementwiseKernels(addon, reference) }
}
