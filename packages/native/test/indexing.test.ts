// The addon's indexSelect / indexAdd (bind_index.cc, forwarded by src/kernels.ts for
// float32): embedding rows and their gradient, against core's TS kernels over random
// sizes (outer blocks, repeated and unordered indices); what stays in TS; bad arguments.
import { Generator, embedding, getBackend, randn, referenceBackend, tensor } from '@adjoint/core'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { nativeKernels } from '../src/kernels.js'
import { native, rng } from './helpers.js'

const ref = referenceBackend()

describe.skipIf(!native)('indexSelect / indexAdd', () => {
  it('equal the TS kernels bit for bit over random sizes, repeated and unordered indices', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 37 }), fc.integer({ min: 0, max: 12 }), fc.integer(), (outer, dimSize, inner, m, seed) => {
      const r = rng(seed)
      const index = Int32Array.from({ length: m }, () => Math.floor(r() * dimSize))
      const table = Float32Array.from({ length: outer * dimSize * inner }, () => r() * 4 - 2)
      const picked = Float32Array.from({ length: outer * m * inner }, () => r() * 4 - 2)
      const got = new Float32Array(picked.length), want = new Float32Array(picked.length)
      native!.indexSelect(table, got, outer, dimSize, inner, index)
      ref.indexSelect(table, want, outer, dimSize, inner, index)
      expect(Buffer.compare(Buffer.from(got.buffer), Buffer.from(want.buffer))).toBe(0)
      const sum = table.slice(), sumRef = table.slice()
      native!.indexAdd(picked, sum, outer, dimSize, inner, index)
      ref.indexAdd(picked, sumRef, outer, dimSize, inner, index)
      expect(Buffer.compare(Buffer.from(sum.buffer), Buffer.from(sumRef.buffer))).toBe(0)
    }), { seed: 3, numRuns: 200 })
  })

  it('an embedding lookup and its weight gradient run on them (float32, enough elements); float64 and small ones stay in TS', () => {
    const calls = { indexSelect: vi.fn(native!.indexSelect), indexAdd: vi.fn(native!.indexAdd) }
    const k = nativeKernels({ ...native!, ...calls }, referenceBackend)
    const ids = tensor(Array.from({ length: 64 }, (_, i) => (i * 7) % 10), { dtype: 'int32' })
    const run = (dtype: 'float32' | 'float64', dim: number) => {
      const w = randn([10, dim], { dtype, generator: new Generator(1) }).requiresGrad_()
      const saved = { indexSelect: getBackend().indexSelect, indexAdd: getBackend().indexAdd }
      Object.assign(getBackend(), { indexSelect: k.indexSelect, indexAdd: k.indexAdd })
      try {
        embedding(w, ids).mul(2).sum().backward()
      } finally {
        Object.assign(getBackend(), saved)
      }
      return w
    }
    const w = run('float32', 32)
    expect(calls.indexSelect).toHaveBeenCalledTimes(1)
    expect(calls.indexAdd).toHaveBeenCalledTimes(1)
    // each row's gradient: 2 x the number of times its id occurs
    const counts = Array.from({ length: 10 }, (_, r) => ids.toList().filter((i) => i === r).length)
    expect(w.grad!.toList()).toEqual(counts.flatMap((c) => Array(32).fill(2 * c)))
    for (const [dtype, dim] of [['float64', 32], ['float32', 8]] as const) {
      calls.indexSelect.mockClear(); calls.indexAdd.mockClear()
      run(dtype, dim)
      expect(calls.indexSelect, `${dtype} x ${dim}`).not.toHaveBeenCalled()
      expect(calls.indexAdd, `${dtype} x ${dim}`).not.toHaveBeenCalled()
    }
  })

  it('bad arguments: a RangeError or TypeError naming the function, nothing written', () => {
    const x = new Float32Array(12), out = new Float32Array(8)
    expect(() => native!.indexSelect(x, out, 1, 3, 4, Int32Array.from([0, 3]))).toThrow(/^indexSelect: index\[1\] = 3 is out of range for dimSize 3/)
    expect(() => native!.indexAdd(out, x, 1, 3, 4, Int32Array.from([-1, 0]))).toThrow(/^indexAdd: index\[0\] = -1 is out of range for dimSize 3/)
    expect(() => native!.indexSelect(x, out, 1, 4, 4, Int32Array.from([0, 1]))).toThrow(RangeError) // x holds 12, not 16
    expect(() => native!.indexSelect(x, new Float32Array(4), 1, 3, 4, Int32Array.from([0, 1]))).toThrow(RangeError)
    expect(() => native!.indexAdd(x.subarray(0, 8), x, 1, 3, 4, Int32Array.from([0, 1]))).toThrow(/^indexAdd: .*overlap/)
    expect(() => native!.indexSelect(new Float64Array(12) as never, out, 1, 3, 4, Int32Array.from([0, 1]))).toThrow(TypeError)
    expect(out.every((v) => v === 0)).toBe(true)
  })
})
