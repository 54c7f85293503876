import { Generator } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { DataError, getBatch } from '../../src/index.js'

describe('getBatch', () => {
  it('gives windows shifted by one, reproducibly from the generator', () => {
    const data = Int32Array.from({ length: 100 }, (_, i) => i)
    const { x, y } = getBatch(data, 4, 8, new Generator(1))
    expect(x.shape).toEqual([4, 8])
    expect(x.dtype).toBe('int32')
    const xs = x.toArray() as number[][], ys = y.toArray() as number[][]
    for (let b = 0; b < 4; b++) for (let t = 0; t < 8; t++) expect(ys[b][t]).toBe(xs[b][t] + 1)
    expect(getBatch(data, 4, 8, new Generator(1)).x.toArray()).toEqual(xs)
  })

  it('refuses a stream shorter than a block', () => {
    expect(() => getBatch(new Int32Array(8), 1, 8, new Generator(0))).toThrow(DataError)
  })
})
