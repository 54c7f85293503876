// The fused layer-norm and cross-entropy kernels against naive per-element formulas.
import { describe, expect, it } from 'vitest'
import { Generator, referenceBackend } from '../src/index.js'

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
    for (let i = cols; i < rows * cols; i++) expect(gx[i]).toBeCloseTo(numeric(x, i), 5)
    for (let i = 0; i < cols; i++) expect(gw[i]).toBeCloseTo(numeric(w, i), 5)
    for (let i = 0; i < cols; i++) expect(gb[i]).toBeCloseTo(numeric(b, i), 5)
    // without affine parameters and without gx
    const gx2 = new Float64Array(rows * cols)
    referenceBackend().layerNormBackward(x, gy, null, mean, rstd, gx2, null, null, rows, cols)
    expect(gx2.every(Number.isFinite)).toBe(true)
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
