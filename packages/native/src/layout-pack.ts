// How core's Layout crosses into the addon: packed as float64 numbers
// [ndim, offset, ...shape, ...strides] in an ArrayBuffer of their own (the C++
// parser's `layout` kind, src/cc/kernel_args.h). C++ reads it with one
// napi_get_arraybuffer_info, where a Layout object's fields would take one
// property read each (~0.1 µs) and even a Float64Array costs a chain of
// element-type checks. The generated forwarders (forward.ts) pack into scratch
// buffers they reuse.
import type { Layout } from '@adjoint/core'

/** A Layout as the addon takes it: an ArrayBuffer holding float64 [ndim, offset, ...shape, ...strides]. */
export type PackedLayout = ArrayBuffer

/** The most dims a packed layout may have (kMaxDims in kernel_args.h); a forwarder keeps deeper layouts in TS. */
export const MAX_PACKED_DIMS = 8

/**
 * Layout l packed into `into` (which must hold 2 + 2 ndim numbers and start its
 * buffer; a new array by default); returns into's buffer.
 */
export function packLayout(l: Layout, into: Float64Array = new Float64Array(2 + 2 * l.shape.length)): PackedLayout {
  packInto(l, into)
  return into.buffer as ArrayBuffer
}

/**
 * Layout l packed into `into` (2 + 2 ndim numbers at its start). The forwarders
 * keep each scratch array's buffer beside it: reading `.buffer` costs more than
 * the packing (~15-40 ns a read in Node 20, three layouts a gemm call).
 */
export function packInto(l: Layout, into: Float64Array): void {
  const shape = l.shape, strides = l.strides, n = shape.length
  into[0] = n
  into[1] = l.offset
  for (let d = 0; d < n; d++) {
    into[2 + d] = shape[d]!
    into[2 + n + d] = strides[d]!
  }
}
