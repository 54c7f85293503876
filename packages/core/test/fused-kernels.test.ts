// The fused layer-norm and cross-entropy kernels against naive per-element formulas.
import { describe, expect, it } from 'vitest'
import { Generator, referenceBackend } from '../src/index.js'
import { assertClose } from '../src/testing/index.js'

const gen = new Generator(7)
const randArray = (n: number, scale = 1) => Float64Array.from({ length: n }, () => gen.normal() * scale)

describe('layerNorm kernel', () => {
  const rows = 3, cols = 5, eps = 1e-5
  const x = randArray(rows * cols, 3).map((v, i) => v + (i < cols ? 1e4 : 0)) // a row with a large mean
  const w = randArray(cols), b = randArray(cols), gy = randArray(rows * cols)

  it('normalizes each row and writes mean and rstd', () => {
    const y = new Float64Array(rows * cols), mean = new Float64Array(rows), rstd = new Float64Array(rows)
    referenceBackend().layerNorm(x, w, b, y, mean, rstd, rows, cols, eps)
    for (let r = 0; r < rows; r++) {
      const row = x.slice(r * cols, (r + 1) * cols)
      const mu = row.reduce((a, v) => a + v, 0) / cols
      const v = row.reduce((a, e) => a + (e - mu) ** 2, 0) / cols
      expect(mean[r]).toBeCloseTo(mu, 9)
      expect(rstd[r]).toBeCloseTo(1 / Math.sqrt(v + eps), 9)
      for (let i = 0; i < cols; i++) expect(y[r * cols + i]).toBeCloseTo((row[i] - mu) / Math.sqrt(v + eps) * w[i] + b[i], 9)
    }
  })

  it('backward matches finite differences of sum(gy * y)', () => {
    const f = (xx: Float64Array, ww: Float64Array, bb: Float64Array) => {
      const y = new Float64Array(rows * cols)
      referenceBackend().layerNorm(xx, ww, bb, y, new Float64Array(rows), new Float64Array(rows), rows, cols, eps)
      return y.reduce((a, v, i) => a + v * gy[i], 0)
    }
    const mean = new Float64Array(rows), rstd = new Float64Array(rows)
    referenceBackend().layerNorm(x, w, b, new Float64Array(rows * cols), mean, rstd, rows, cols, eps)
    const gx = new Float64Array(rows * cols), gw = new Float64Array(cols), gb = new Float64Array(cols)
    referenceBackend().layerNormBackward(x, gy, w, mean, rstd, gx, gw, gb, rows, cols)
    const h = 1e-6
    const numeric = (arr: Float64Array, i: number) => {
      const o = arr[i]
      arr[i] = o + h; const p = f(x, w, b)
      arr[i] = o - h; const m = f(x, w, b)
      arr[i] = o
      return (p - m) / (2 * h)
    }
    // rows 1.. by finite differences; row 0 (mean 1e4, where differences of x lose
    // 8 digits) by shift invariance: its gradient is that of the row moved to mean ~0
    for (let i = cols; i < rows * cols; i++) expect(gx[i]).toBeCloseTo(numeric(x, i), 5)
    for (let i = 0; i < cols; i++) expect(gw[i]).toBeCloseTo(numeric(w, i), 5)
    for (let i = 0; i < cols; i++) expect(gb[i]).toBeCloseTo(numeric(b, i), 5)
    const shifted = x.map((v, i) => (i < cols ? v - 1e4 : v))
    const sMean = new Float64Array(rows), sRstd = new Float64Array(rows), gxShifted = new Float64Array(rows * cols)
    referenceBackend().layerNorm(shifted, w, b, new Float64Array(rows * cols), sMean, sRstd, rows, cols, eps)
    referenceBackend().layerNormBackward(shifted, gy, w, sMean, sRstd, gxShifted, null, null, rows, cols)
    for (let i = 0; i < cols; i++) {
      const o = shifted[i]
      shifted[i] = o + h; const p = f(shifted, w, b)
      shifted[i] = o - h; const m = f(shifted, w, b)
      shifted[i] = o
      expect(gxShifted[i]).toBeCloseTo((p - m) / (2 * h), 5)
    }
    assertClose(gx.subarray(0, cols), gxShifted.subarray(0, cols), { rtol: 1e-9, atol: 1e-9, what: 'gx of the large-mean row' })
    // without affine parameters (w = 1) and without gw, gb: the same gx as with w = 1
    const ones = new Float64Array(cols).fill(1)
    const gx1 = new Float64Array(rows * cols), gx2 = new Float64Array(rows * cols)
    referenceBackend().layerNormBackward(x, gy, ones, mean, rstd, gx1, new Float64Array(cols), new Float64Array(cols), rows, cols)
    referenceBackend().layerNormBackward(x, gy, null, mean, rstd, gx2, null, null, rows, cols)
    assertClose(gx2, gx1, { rtol: 1e-15, atol: 0, what: 'gx without w' })
    expect(gx2.some((v) => v !== 0)).toBe(true)
  })
})

describe('crossEntropy kernel', () => {
  const rows = 4, cols = 6
  const x = randArray(rows * cols, 4)
  const target = Int32Array.from([2, -100, 0, 5])

  for (const s of [0, 0.2]) {
    it(`loss and gradient with labelSmoothing ${s}`, () => {
      const loss = new Float64Array(rows), lse = new Float64Array(rows), gLoss = Float64Array.from([1, 2, -0.5, 3])
      referenceBackend().crossEntropy(x, target, loss, lse, rows, cols, -100, s)
      const gx = new Float64Array(rows * cols)
      referenceBackend().crossEntropyBackward(x, target, lse, gLoss, gx, rows, cols, -100, s)
      for (let r = 0; r < rows; r++) {
        const row = Array.from(x.slice(r * cols, (r + 1) * cols))
        const l = Math.log(row.reduce((a, v) => a + Math.exp(v), 0))
        const logp = row.map((v) => v - l)
        const t = target[r]
        if (t === -100) {
          expect(loss[r]).toBe(0)
          for (let c = 0; c < cols; c++) expect(gx[r * cols + c]).toBe(0)
          continue
        }
        const want = -(1 - s) * logp[t] - (s / cols) * logp.reduce((a, v) => a + v, 0)
        expect(loss[r]).toBeCloseTo(want, 12)
        for (let c = 0; c < cols; c++) {
          const q = (1 - s) * (c === t ? 1 : 0) + s / cols
          expect(gx[r * cols + c]).toBeCloseTo(gLoss[r] * (Math.exp(logp[c]) - q), 12)
        }
      }
    })
  }
})
