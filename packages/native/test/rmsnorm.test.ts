// The addon's RMS norm kernels (rmsNorm / rmsNormBackward: kernels_rmsnorm.inl per
// ISA for float32, rows_f64.cc for float64, rows.cc's thread split) against core's
// TS reference, on every kernel set this CPU runs, with row tails, no weight, no
// wanted gradients, threads and bad arguments.
import { referenceBackend } from '@adjoint/core'
import { compareClose } from '@adjoint/core/testing'
import { describe, expect, it } from 'vitest'
import '../src/index.js'
import { restoreIsaAndThreadsAfterAll, builtIsas, skipTestsUnlessCpuRuns, native, rng, withPoolWorkers, withTuning } from './helpers.js'

const ref = referenceBackend()
const original = restoreIsaAndThreadsAfterAll()

const shapes: [number, number][] = [[0, 5], [1, 1], [3, 7], [5, 16], [4, 17], [9, 33], [6, 64], [40, 129]]

function fill<A extends Float32Array | Float64Array>(a: A, seed: number, scale = 2): A {
  const r = rng(seed)
  for (let i = 0; i < a.length; i++) a[i] = (r() * 2 - 1) * scale
  return a
}

/** The native kernels and the TS reference on the same inputs (the reference in float64), compared. */
function check(F: typeof Float32Array | typeof Float64Array, rows: number, cols: number, weight: boolean, tol: number, seed: number): void {
  const n = rows * cols
  const x = fill(new F(n), seed), w = weight ? fill(new F(cols), seed + 1, 1) : null, gy = fill(new F(n), seed + 2)
  const y = new F(n), rstd = new F(rows), gx = new F(n), gw = new F(cols).fill(7)
  native!.rmsNorm(x, w, y, rstd, rows, cols, 1e-6)
  native!.rmsNormBackward(x, gy, w, rstd, gx, gw, rows, cols)
  const d = (a: ArrayLike<number> | null) => (a === null ? null : Float64Array.from(a))
  const yw = new Float64Array(n), rw = new Float64Array(rows), gxw = new Float64Array(n), gww = new Float64Array(cols)
  ref.rmsNorm(d(x)!, d(w), yw, rw, rows, cols, 1e-6)
  ref.rmsNormBackward(d(x)!, d(gy)!, d(w), rw, gxw, gww, rows, cols)
  const what = `${F.name} [${rows}, ${cols}]${weight ? '' : ' no weight'}`
  expect(compareClose(rstd, rw, { atol: tol, rtol: tol }).message, `rstd ${what}`).toBe('')
  expect(compareClose(y, yw, { atol: tol, rtol: tol }).message, `y ${what}`).toBe('')
  expect(compareClose(gx, gxw, { atol: tol, rtol: tol }).message, `gx ${what}`).toBe('')
  expect(compareClose(gw, gww, { atol: tol * 10, rtol: tol }).message, `gw ${what}`).toBe('')
  // gradients not wanted: null gx / gw, and gx in place over gy
  const gi = gy.slice()
  native!.rmsNormBackward(x, gi, w, rstd, gi, null, rows, cols)
  expect([...gi]).toEqual([...gx])
  const gw2 = new F(cols)
  native!.rmsNormBackward(x, gy, w, rstd, null, gw2, rows, cols)
  expect([...gw2]).toEqual([...gw])
}

describe.each(builtIsas)('rmsNorm kernels on isa %s', (isa) => {
  skipTestsUnlessCpuRuns(isa)
  it.runIf(native)('float32 forward and backward match the float64 TS kernels', () => {
    native!.setIsa(isa)
    try {
      shapes.forEach(([rows, cols], i) => { for (const weight of [true, false]) check(Float32Array, rows, cols, weight, 2e-5, i * 10) })
    } finally {
      native!.setIsa(original!.isa)
    }
  })
})

describe('rmsNorm kernels: float64, threads and bad arguments', () => {
  it.runIf(native)('float64 forward and backward match the TS kernels', () => {
    shapes.forEach(([rows, cols], i) => { for (const weight of [true, false]) check(Float64Array, rows, cols, weight, 1e-12, i * 10 + 3) })
  })

  it.runIf(native)('rows split over the pool give the one-thread results (gw to float64 rounding)', () => {
    const rows = 300, cols = 97, n = rows * cols
    const x = fill(new Float32Array(n), 1), w = fill(new Float32Array(cols), 2, 1), gy = fill(new Float32Array(n), 3)
    const run = () => {
      const y = new Float32Array(n), rstd = new Float32Array(rows), gx = new Float32Array(n), gw = new Float32Array(cols)
      native!.rmsNorm(x, w, y, rstd, rows, cols, 1e-6)
      native!.rmsNormBackward(x, gy, w, rstd, gx, gw, rows, cols)
      return [y, rstd, gx, gw]
    }
    native!.setNumThreads(1)
    const one = run()
    native!.setNumThreads(3)
    try {
      const three = withTuning({ rowsParallelMinElements: 1000 }, () => withPoolWorkers(run))
      for (let k = 0; k < 3; k++) expect([...three[k]!]).toEqual([...one[k]!])
      expect(compareClose(three[3]!, one[3]!, { atol: 1e-6, rtol: 1e-6 }).message).toBe('')
    } finally {
      native!.setNumThreads(original!.threads)
    }
  })

  it.runIf(native)('rejects short arrays, mixed float types and overlapping outputs with named errors', () => {
    const x = new Float32Array(12), y = new Float32Array(12), rstd = new Float32Array(3), w = new Float32Array(4)
    expect(() => native!.rmsNorm(x, w, y, new Float32Array(2), 3, 4, 1e-6)).toThrow(/rmsNorm/)
    expect(() => native!.rmsNorm(x, new Float32Array(3), y, rstd, 3, 4, 1e-6)).toThrow(/rmsNorm.*length 4/)
    expect(() => native!.rmsNorm(x, w, new Float64Array(12), rstd, 3, 4, 1e-6)).toThrow(/rmsNorm/)
    expect(() => native!.rmsNorm(x, w, y, y.subarray(2, 5), 3, 4, 1e-6)).toThrow(/rmsNorm/)
    expect(() => native!.rmsNormBackward(x, y, w, rstd, new Float32Array(11), null, 3, 4)).toThrow(/rmsNormBackward/)
    expect(() => native!.rmsNormBackward(x, y, w, rstd, null, x.subarray(0, 4), 3, 4)).toThrow(/rmsNormBackward/)
  })
})
