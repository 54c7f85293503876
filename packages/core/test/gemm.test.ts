// The TS gemm kernel against a triple loop: any strides, transposes, batches, alpha, beta.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { referenceBackend } from '../src/index.js'
import { assertClose } from '../src/testing/index.js'

function naive(batch: number, m: number, n: number, k: number, a: Float64Array, aOff: number, abs: number, ars: number, acs: number, b: Float64Array, bOff: number, bbs: number, brs: number, bcs: number, alpha: number) {
  const c = new Float64Array(batch * m * n)
  for (let t = 0; t < batch; t++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0
    for (let p = 0; p < k; p++) s += a[aOff + t * abs + i * ars + p * acs] * b[bOff + t * bbs + p * brs + j * bcs]
    c[t * m * n + i * n + j] = alpha * s
  }
  return c
}

describe('TS gemm kernel', () => {
  it('matches a triple loop on random shapes, layouts, batches, alpha and beta', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 3 }),
      fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom(1, 0.5), fc.constantFrom<0 | 1>(0, 1),
      (m, n, k, batch, ta, tb, shareB, padded, alpha, beta) => {
        const pad = padded ? 3 : 0
        // A stored either [m, k+pad] row-major or transposed [k, m+pad]
        const aRows = ta ? k : m, aCols = (ta ? m : k) + pad
        const a = Float64Array.from({ length: batch * aRows * aCols + 5 }, (_, i) => Math.sin(i * 1.3))
        const bRows = tb ? n : k, bCols = (tb ? k : n) + pad
        const bBatch = shareB ? 1 : batch
        const b = Float64Array.from({ length: bBatch * bRows * bCols + 5 }, (_, i) => Math.cos(i * 0.7))
        const ars = ta ? 1 : aCols, acs = ta ? aCols : 1, brs = tb ? 1 : bCols, bcs = tb ? bCols : 1
        const c = new Float64Array(batch * m * n).fill(beta ? 2 : NaN)
        referenceBackend().gemm({ batch, m, n, k, alpha, beta, a, aOffset: 2, aBatchStride: aRows * aCols, aRowStride: ars, aColStride: acs, b, bOffset: 1, bBatchStride: shareB ? 0 : bRows * bCols, bRowStride: brs, bColStride: bcs, c, cOffset: 0, cBatchStride: m * n, cRowStride: n })
        const ref = naive(batch, m, n, k, a, 2, aRows * aCols, ars, acs, b, 1, shareB ? 0 : bRows * bCols, brs, bcs, alpha)
        assertClose(c, ref.map((v) => v + (beta ? 2 : 0)), { rtol: 0, atol: 1e-9 * (1 + k) })
      },
    ), { numRuns: 60, seed: 7 })
  })

  it('float32 output rounds once', () => {
    const a = new Float32Array([1, 2, 3, 4]), b = new Float32Array([5, 6, 7, 8]), c = new Float32Array(4)
    referenceBackend().gemm({ batch: 1, m: 2, n: 2, k: 2, alpha: 1, beta: 0, a, aOffset: 0, aBatchStride: 0, aRowStride: 2, aColStride: 1, b, bOffset: 0, bBatchStride: 0, bRowStride: 2, bColStride: 1, c, cOffset: 0, cBatchStride: 4, cRowStride: 2 })
    expect(Array.from(c)).toEqual([19, 22, 43, 50])
  })
})
