// How core's Layout crosses into the addon: packed into a Float64Array
// [ndim, offset, ...shape, ...strides] (the C++ parser's `layout` kind,
// src/cc/kernel_args.h). One typed array is read in C++ with one N-API call,
// where a Layout object's fields would take one property read each (~0.1 µs).
// The generated forwarders (forward.ts) pack into scratch arrays they reuse.
import type { Layout } from '@adjoint/core'

/** A Layout as the addon takes it: Float64Array [ndim, offset, ...shape, ...strides]. */
export type PackedLayout = Float64Array

/** The most dims a packed layout may have (kMaxDims in kernel_args.h); a forwarder keeps deeper layouts in TS. */
export const MAX_PACKED_DIMS = 8

/** Layout l packed into `into` (which must hold 2 + 2 ndim numbers; a new array by default). */
export function packLayout(l: Layout, into: PackedLayout = new Float64Array(2 + 2 * l.shape.length)): PackedLayout {
  const shape = l.shape, strides = l.strides, n = shape.length
  into[0] = n
  into[1] = l.offset
  for (let d = 0; d < n; d++) {
    into[2 + d] = shape[d]
    into[2 + n + d] = strides[d]
  }
  return into
}
