// aligned-arrays.ts and the dataAlignment binding: arrays of 4 KiB or more that
// the native package gives core start on a 64-byte line, for every dtype;
// smaller ones are left to the plain constructor.
import { zeros } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import '../src/index.js'
import { alignedArraySource, MIN_ALIGNED_BYTES } from '../src/aligned-arrays.js'
import { native } from './helpers.js'

describe('aligned arrays', () => {
  it.runIf(native)('dataAlignment: the address of the first data byte modulo 64, of a buffer or a view into it', () => {
    const buffer = new ArrayBuffer(4096)
    const base = native!.dataAlignment(buffer)
    expect(base % 8, 'an allocator gives at least 8-byte alignment').toBe(0)
    for (const offset of [0, 4, 16, 60, 64, 100]) {
      expect(native!.dataAlignment(new Uint8Array(buffer, offset, 8))).toBe((base + offset) % 64)
    }
    expect(() => native!.dataAlignment(42 as unknown as ArrayBuffer)).toThrow(/dataAlignment: x must be an ArrayBuffer or a typed array, got/)
  })

  it.runIf(native)('alignedArraySource: zero-filled arrays of the dtype and length asked, on a 64-byte line from 4 KiB up', () => {
    const source = alignedArraySource(native!)
    const cases = [['float32', Float32Array], ['float64', Float64Array], ['int32', Int32Array], ['bool', Uint8Array]] as const
    for (const [dtype, Ctor] of cases) {
      const n = MIN_ALIGNED_BYTES / Ctor.BYTES_PER_ELEMENT
      const a = source(dtype, n + 3)!
      expect(a).toBeInstanceOf(Ctor)
      expect(a.length).toBe(n + 3)
      expect(native!.dataAlignment(a), dtype).toBe(0)
      expect(a.every((v) => v === 0)).toBe(true)
      expect(source(dtype, n - 1), `${dtype}: under ${MIN_ALIGNED_BYTES} bytes`).toBeNull()
    }
  })

  it.runIf(native)('with the native package loaded, core tensors of 4 KiB or more start on a 64-byte line', () => {
    for (let i = 0; i < 20; i++) {
      expect(native!.dataAlignment(zeros([32, 33 + i]).data)).toBe(0)
      expect(native!.dataAlignment(zeros([600 + i], { dtype: 'float64' }).data)).toBe(0)
    }
  })
})
