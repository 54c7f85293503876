// The TS gemm kernel against a triple loop: any strides, transposes, batches, alpha, beta.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Layout, referenceBackend } from '../src/index.js'
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
        referenceBackend().gemm(
          a, new Layout([batch, m, k], [aRows * aCols, ars, acs], 2),
          b, new Layout([batch, k, n], [shareB ? 0 : bRows * bCols, brs, bcs], 1),
          c, Layout.contiguous([batch, m, n]), alpha, beta)
        const ref = naive(batch, m, n, k, a, 2, aRows * aCols, ars, acs, b, 1, shareB ? 0 : bRows * bCols, brs, bcs, alpha)
        assertClose(c, ref.map((v) => v + (beta ? 2 : 0)), { rtol: 0, atol: 1e-9 * (1 + k) })
      },
    ), { numRuns: 60, seed: 7 })
  })

  it('float32 output rounds once', () => {
    const a = new Float32Array([1, 2, 3, 4]), b = new Float32Array([5, 6, 7, 8]), c = new Float32Array(4)
    const sq = Layout.contiguous([2, 2])
    referenceBackend().gemm(a, sq, b, sq, c, sq, 1, 0)
    expect(Array.from(c)).toEqual([19, 22, 43, 50])
  })

  it('walks several batch dims, broadcast (stride 0) and permuted ones, and writes C through its layout', () => {
    // A [2, 3, m, k] stored as [3, 2, m, k] (batch dims swapped); B [2, 3, k, n] broadcast over dim 0;
    // C [2, 3, m, n] at offset 5 with gaps between its matrices
    const m = 2, k = 3, n = 4
    const a = Float64Array.from({ length: 6 * m * k }, (_, i) => Math.sin(i))
    const b = Float64Array.from({ length: 3 * k * n }, (_, i) => Math.cos(i))
    const aL = new Layout([2, 3, m, k], [m * k, 2 * m * k, k, 1], 0)
    const bL = new Layout([2, 3, k, n], [0, k * n, n, 1], 0)
    const cL = new Layout([2, 3, m, n], [3 * (m * n + 1), m * n + 1, n, 1], 5)
    const c = new Float64Array(5 + 6 * (m * n + 1)).fill(-7)
    referenceBackend().gemm(a, aL, b, bL, c, cL, 1, 0)
    for (let i0 = 0; i0 < 2; i0++) for (let i1 = 0; i1 < 3; i1++) {
      const want = naive(1, m, n, k, a, i0 * m * k + i1 * 2 * m * k, 0, k, 1, b, i1 * k * n, 0, n, 1, 1)
      const at = 5 + i0 * 3 * (m * n + 1) + i1 * (m * n + 1)
      assertClose(c.subarray(at, at + m * n), want, { rtol: 0, atol: 1e-12 })
      expect(c[at + m * n]).toBe(-7)
    }
    expect(c[4]).toBe(-7)
  })
})
