// Adapts core's OptimizerKernels (fused Adam/AdamW and SGD steps, the sum of
// squares and joint scaling behind clipGradNorm_) to the addon. Lists with
// mixed element types, or too few elements to repay the call, stay in TS.
import type { Backend, FloatArray, OptimizerKernels } from '@adjoint/core'
import type { NativeAddon } from './addon.js'

/** Below this many elements in all, the TS loop is as fast as crossing into C++. */
const MIN_ELEMENTS = 2048

/** True when every array is a Float32Array, or every one a Float64Array, and there are enough elements. */
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
  return n >= MIN_ELEMENTS
}

export function optimizerKernels(addon: NativeAddon, reference: () => Backend): OptimizerKernels {
  return {
    adamStep(params, grads, expAvg, expAvgSq, maxExpAvgSq, consts, h) {
      if (!worthNative(params, grads, expAvg, expAvgSq, maxExpAvgSq)) return reference().adamStep(params, grads, expAvg, expAvgSq, maxExpAvgSq, consts, h)
      addon.adamStep(params, grads, expAvg, expAvgSq, maxExpAvgSq, consts, h.beta1, h.beta2, h.eps, h.weightDecay, h.decoupled, h.maximize)
    },
    sgdStep(params, grads, momentumBuffers, fresh, h) {
      if (!worthNative(params, grads, momentumBuffers)) return reference().sgdStep(params, grads, momentumBuffers, fresh, h)
      addon.sgdStep(params, grads, momentumBuffers, fresh, h.lr, h.momentum, h.dampening, h.weightDecay, h.nesterov, h.maximize)
    },
    sumSquares(arrays) {
      if (!worthNative(arrays)) return reference().sumSquares(arrays)
      return addon.sumSquares(arrays)
    },
    scaleAll(arrays, c) {
      if (!worthNative(arrays)) return reference().scaleAll(arrays, c)
      addon.scaleAll(arrays, c)
    },
  }
}
