// 64-byte-aligned storage for core's arrays (core's setArraySource): an
// ArrayBuffer 64 bytes longer than the array, viewed from its first cache line.
// Plain `new Float32Array(n)` data starts wherever the allocator puts it (16
// bytes into a line for large arrays from glibc): a one-row product then reads
// B's rows with masked edge loads, and the two halves of C that two threads
// write share a line at every row where the cut falls inside it. Small arrays
// stay plain: the N-API call would cost more than the alignment saves.
import type { ArraySource, DType, TypedArray } from '@adjoint/core'
import type { NativeAddon } from './addon.js'

/** Arrays of at least this many bytes get 64-byte-aligned data. */
export const MIN_ALIGNED_BYTES = 4096

const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const

/** The array source the native package gives core: arrays of MIN_ALIGNED_BYTES or more start on a 64-byte line. */
export function alignedArraySource(addon: Pick<NativeAddon, 'dataAlignment'>): ArraySource {
  return (dtype: DType, n: number): TypedArray | null => {
    const Ctor = CTORS[dtype]
    const bytes = n * Ctor.BYTES_PER_ELEMENT
    if (!(bytes >= MIN_ALIGNED_BYTES)) return null
    const buffer = new ArrayBuffer(bytes + 64)
    const skip = (64 - addon.dataAlignment(buffer)) % 64
    return new Ctor(buffer, skip, n)
  }
}
