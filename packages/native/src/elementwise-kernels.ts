// Adapts core's Backend.binary to the addon's binary2d for add/sub/mul/div on
// large float arrays whose layout is two dims or fewer once merged (same-shape
// arrays, a bias row or a column broadcast over rows, a scalar); anything else
// (other ops, mixed types, small arrays, deeper broadcasts) stays in TS.
import { coalesceDims, type Backend } from '@adjoint/core'
import type { NativeAddon } from './addon.js'

/** Below this many output elements the TS loop is as fast as crossing into C++. */
const MIN_ELEMENTS = 4096
const NATIVE_OPS = new Set(['add', 'sub', 'mul', 'div'])

export function elementwiseKernels(addon: NativeAddon, reference: () => Backend): Pick<Backend, 'binary'> {
  return {
    binary(op, a, aLayout, b, bLayout, out, outLayout) {
      const n = outLayout.numel()
      const f32 = out instanceof Float32Array
      const sameFloat = (f32 || out instanceof Float64Array) && (f32 ? a instanceof Float32Array && b instanceof Float32Array : a instanceof Float64Array && b instanceof Float64Array)
      if (n < MIN_ELEMENTS || !NATIVE_OPS.has(op) || !sameFloat || outLayout.offset !== 0) return reference().binary(op, a, aLayout, b, bLayout, out, outLayout)
      const c = coalesceDims(outLayout.shape, [aLayout.strides, bLayout.strides, outLayout.strides])
      const nd = c.shape.length
      const [sa, sb] = c.strides
      const cols = nd === 0 ? 1 : c.shape[nd - 1], rows = nd === 2 ? c.shape[0] : 1
      const aCS = nd === 0 ? 1 : sa[nd - 1], bCS = nd === 0 ? 1 : sb[nd - 1]
      if (nd > 2 || aCS > 1 || bCS > 1 || aCS < 0 || bCS < 0 || (nd === 2 && (sa[0] < 0 || sb[0] < 0))) return reference().binary(op, a, aLayout, b, bLayout, out, outLayout)
      // one row: its row stride is irrelevant; cols x column stride keeps an in-place call (out = a) recognisable
      const aRS = nd === 2 ? sa[0] : cols * aCS, bRS = nd === 2 ? sb[0] : cols * bCS
      addon.binary2d(op as 'add', a as Float32Array, aLayout.offset, aRS, aCS, b as Float32Array, bLayout.offset, bRS, bCS, out, rows, cols)
    },
  }
}
