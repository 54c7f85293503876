// The addon's row-wise kernels (src/cc/rows.cc, kernels.inl, rows_f64.cc):
// softmax, logSoftmax and their backwards, layerNorm (+ backward) and
// crossEntropy (+ backward), against core's pure-TS reference kernels, on every
// kernel set this CPU runs, with awkward widths (tails of the vector loops) and
// special values (+-inf, NaN, huge logits).
import { referenceBackend } from '@adjoint/core'
import { compareClose } from '@adjoint/core/testing'
import { describe, expect, it } from 'vitest'
import { restoreIsaAndThreadsAfterAll, type FloatArray, type FloatCtor, builtIsas, skipTestsUnlessCpuRuns, isas, native, rng, withPoolWorkers, withTuning } from './helpers.js'

const ref = referenceBackend()
const original = restoreIsaAndThreadsAfterAll()

const widths = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 65, 100, 1031]
const dtypes: FloatCtor[] = [Float32Array, Float64Array]

function fill(Ctor: FloatCtor, n: number, r: () => number, scale: number, shift = 0): FloatArray {
  const x = new Ctor(n)
  for (let i = 0; i < n; i++) x[i] = (r() * 2 - 1) * scale + shift
  return x
}

/** '' or what differs by more than atol + rtol |want| (NaN/inf must match). */
function close(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): string {
  return compareClose(got, want, { atol, rtol }).message
}

const tol = (Ctor: FloatCtor) => (Ctor === Float32Array ? { atol: 3e-6, rtol: 3e-5 } : { atol: 1e-13, rtol: 1e-12 })

describe.each(builtIsas)('row kernels on isa %s', (isa) => {
  skipTestsUnlessCpuRuns(isa)
  describe.each(dtypes)('%o', (Ctor) => {
    const { atol, rtol } = tol(Ctor)

    it.runIf(native)('softmax, logSoftmax and backwards match the TS kernels', () => {
      native!.setIsa(isa)
      const r = rng(11)
      for (const cols of widths) for (const rows of [0, 1, 3]) for (const scale of [1, 30]) {
        const n = rows * cols
        const x = fill(Ctor, n, r, scale), gy = fill(Ctor, n, r, 1)
        const what = `rows=${rows} cols=${cols} scale=${scale}`
        const y = new Ctor(n), yRef = new Ctor(n)
        native!.softmax(x, y, rows, cols); ref.softmax(x, yRef, rows, cols)
        expect(close(y, yRef, atol, rtol), `softmax ${what}`).toBe('')
        const ly = new Ctor(n), lyRef = new Ctor(n)
        native!.logSoftmax(x, ly, rows, cols); ref.logSoftmax(x, lyRef, rows, cols)
        expect(close(ly, lyRef, atol, rtol), `logSoftmax ${what}`).toBe('')
        const gx = new Ctor(n), gxRef = new Ctor(n)
        native!.softmaxBackward(yRef, gy, gx, rows, cols); ref.softmaxBackward(yRef, gy, gxRef, rows, cols)
        expect(close(gx, gxRef, atol, rtol), `softmaxBackward ${what}`).toBe('')
        native!.logSoftmaxBackward(lyRef, gy, gx, rows, cols); ref.logSoftmaxBackward(lyRef, gy, gxRef, rows, cols)
        expect(close(gx, gxRef, atol * cols, rtol), `logSoftmaxBackward ${what}`).toBe('')
      }
    })

    it.runIf(native)('special values: -inf, +inf, NaN, all -inf rows, huge logits', () => {
      native!.setIsa(isa)
      const inf = Infinity
      const rowsList = [
        [0, -inf, 1, 2, -inf, 3, 4, 5, 6, 7],
        [-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf],
        [1, 2, inf, 3, 4, 5, 6, 7, 8, 9],
        [1, NaN, 2, 3, 4, 5, 6, 7, 8, 9],
        [1000, -1000, 88, 89, 500, 0, -3000, 1e30, -1e30, 3],
        [-200, -150, -100, -104, -103, -87, -88, -89, -90, -91],
      ]
      const cols = 10, rows = rowsList.length
      const x = new Ctor(rowsList.flat())
      for (const op of ['softmax', 'logSoftmax'] as const) {
        const y = new Ctor(rows * cols), yRef = new Ctor(rows * cols)
        native![op](x, y, rows, cols); ref[op](x, yRef, rows, cols)
        expect(close(y, yRef, atol, rtol), op).toBe('')
      }
      // exp of every float32 exponent range the vector exp handles (overflow, denormal, underflow)
      const e = new Ctor([-200, -104, -103.9, -100, -90, -87.5, -50, -1, 0, 1e-8, 1, 50, 88, 88.5, 88.72, 88.8, 100, inf, -inf, NaN])
      const gy = new Ctor(e.length).fill(1), gx = new Ctor(e.length), gxRef = new Ctor(e.length)
      native!.logSoftmaxBackward(e, gy, gx, 1, e.length); ref.logSoftmaxBackward(e, gy, gxRef, 1, e.length)
      // gx = 1 - exp(e) * n: compare exp(e) itself, with a relative tolerance that also covers denormals
      for (let i = 0; i < e.length; i++) {
        const got = (1 - gx[i]!) / e.length, want = (1 - gxRef[i]!) / e.length
        if (Number.isNaN(want)) expect(got, `exp(${e[i]})`).toBeNaN()
        else if (!Number.isFinite(want)) expect(got, `exp(${e[i]})`).toBe(want)
        else expect(Math.abs(got - want), `exp(${e[i]}) = ${want}`).toBeLessThanOrEqual(3e-7 * Math.abs(want) + 2e-7)
      }
    })

    it.runIf(native)('in place (out === x, gx === gy) gives the same as separate outputs', () => {
      native!.setIsa(isa)
      const r = rng(5)
      const x = fill(Ctor, 3 * 37, r, 5), want = new Ctor(x.length)
      native!.softmax(x, want, 3, 37)
      const inPlace = x.slice()
      native!.softmax(inPlace, inPlace, 3, 37)
      expect([...inPlace]).toEqual([...want])
      const gy = fill(Ctor, x.length, r, 1), gx = new Ctor(x.length)
      native!.softmaxBackward(want, gy, gx, 3, 37)
      native!.softmaxBackward(want, gy, gy, 3, 37)
      expect([...gy]).toEqual([...gx])
    })

    it.runIf(native)('layerNorm and its backward match the TS kernels (with and without w, b; large means)', () => {
      native!.setIsa(isa)
      const r = rng(21)
      for (const cols of [1, 2, 7, 8, 17, 64, 129]) for (const rows of [0, 1, 5]) for (const [hw, hb] of [[true, true], [true, false], [false, true], [false, false]]) {
        const n = rows * cols, shift = cols % 2 ? 100 : 0
        const x = fill(Ctor, n, r, 2, shift), gy = fill(Ctor, n, r, 1)
        const w = hw ? fill(Ctor, cols, r, 1, 1) : null, b = hb ? fill(Ctor, cols, r, 1) : null
        const y = new Ctor(n), mean = new Ctor(rows), rstd = new Ctor(rows)
        const yR = new Ctor(n), meanR = new Ctor(rows), rstdR = new Ctor(rows)
        native!.layerNorm(x, w, b, y, mean, rstd, rows, cols, 1e-5)
        ref.layerNorm(x, w, b, yR, meanR, rstdR, rows, cols, 1e-5)
        const what = `rows=${rows} cols=${cols} w=${hw} b=${hb}`
        const lt = Ctor === Float32Array ? 5e-5 : 1e-12
        expect(close(mean, meanR, lt, lt), `mean ${what}`).toBe('')
        expect(close(rstd, rstdR, lt, lt), `rstd ${what}`).toBe('')
        expect(close(y, yR, lt, lt), `y ${what}`).toBe('')
        const gx = new Ctor(n), gw = new Ctor(cols).fill(NaN), gb = new Ctor(cols).fill(NaN)
        const gxR = new Ctor(n), gwR = new Ctor(cols), gbR = new Ctor(cols)
        native!.layerNormBackward(x, gy, w, meanR, rstdR, gx, gw, gb, rows, cols)
        ref.layerNormBackward(x, gy, w, meanR, rstdR, gxR, gwR, gbR, rows, cols)
        expect(close(gx, gxR, lt * 4, lt * 4), `gx ${what}`).toBe('')
        expect(close(gw, gwR, lt * 4, lt * 4), `gw ${what}`).toBe('')
        expect(close(gb, gbR, lt, lt), `gb ${what}`).toBe('')
        // each output optional
        const gx2 = new Ctor(n)
        native!.layerNormBackward(x, gy, w, meanR, rstdR, gx2, null, null, rows, cols)
        expect([...gx2]).toEqual([...gx])
        const gb2 = new Ctor(cols)
        native!.layerNormBackward(x, gy, w, meanR, rstdR, null, null, gb2, rows, cols)
        expect([...gb2]).toEqual([...gb])
      }
    })

    it.runIf(native)('crossEntropy and its backward match the TS kernels (ignoreIndex, label smoothing)', () => {
      native!.setIsa(isa)
      const r = rng(31)
      for (const cols of [1, 2, 7, 9, 16, 65, 1031]) for (const rows of [0, 1, 6]) for (const s of [0, 0.1]) {
        const n = rows * cols
        const x = fill(Ctor, n, r, 8)
        const t = new Int32Array(rows).map((_, i) => (i === 2 ? -100 : Math.floor(r() * cols)))
        const loss = new Ctor(rows), lse = new Ctor(rows), lossR = new Ctor(rows), lseR = new Ctor(rows)
        native!.crossEntropy(x, t, loss, lse, rows, cols, -100, s)
        ref.crossEntropy(x, t, lossR, lseR, rows, cols, -100, s)
        const what = `rows=${rows} cols=${cols} s=${s}`
        expect(close(lse, lseR, atol * 10, rtol), `lse ${what}`).toBe('')
        expect(close(loss, lossR, atol * 10, rtol * 3), `loss ${what}`).toBe('')
        const gl = fill(Ctor, rows, r, 1), gx = new Ctor(n).fill(NaN), gxR = new Ctor(n)
        native!.crossEntropyBackward(x, t, lseR, gl, gx, rows, cols, -100, s)
        ref.crossEntropyBackward(x, t, lseR, gl, gxR, rows, cols, -100, s)
        expect(close(gx, gxR, atol, rtol), `gx ${what}`).toBe('')
      }
    })
  })
})

describe('softmax with non-temporal stores (large outputs)', () => {
  it.runIf(native)('gives bitwise the same as the cached path, on every kernel set, any alignment, in place too', () => {
    const r = rng(17)
    for (const isa of isas) {
      native!.setIsa(isa)
      for (const cols of [1, 7, 8, 33, 1024, 4096, 4097]) {
        const rows = 5
        const backing = fill(Float32Array, rows * cols + 3, r, 6) as Float32Array
        for (const off of [0, 1, 3]) {
          const x = backing.subarray(off, off + rows * cols)
          const want = new Float32Array(rows * cols), got = new Float32Array(rows * cols + 4).subarray(off)
          withTuning({ streamMinBytes: 1 << 40 }, () => native!.softmax(x, want, rows, cols))
          withTuning({ streamMinBytes: 0 }, () => native!.softmax(x, got, rows, cols))
          expect([...got.subarray(0, rows * cols)], `${isa} cols=${cols} off=${off}`).toEqual([...want])
          const inPlace = x.slice()
          withTuning({ streamMinBytes: 0 }, () => native!.softmax(inPlace, inPlace, rows, cols))
          expect([...inPlace], `${isa} in place cols=${cols}`).toEqual([...want])
        }
      }
    }
    native!.setIsa(original!.isa)
  })
})

describe('row kernels on threads', () => {
  it.runIf(native)('large inputs split over threads give bitwise the same results as one thread', () => {
    const r = rng(8)
    const rows = 301, cols = 1000
    const x = fill(Float32Array, rows * cols, r, 4), gy = fill(Float32Array, rows * cols, r, 1)
    const t = new Int32Array(rows).map(() => Math.floor(r() * cols))
    const run = () => {
      const y = new Float32Array(x.length), gx = new Float32Array(x.length), ly = new Float32Array(x.length)
      native!.softmax(x, y, rows, cols)
      native!.logSoftmax(x, ly, rows, cols)
      native!.softmaxBackward(y, gy, gx, rows, cols)
      const loss = new Float32Array(rows), lse = new Float32Array(rows)
      native!.crossEntropy(x, t, loss, lse, rows, cols, -100, 0)
      const mean = new Float32Array(rows), rstd = new Float32Array(rows), ln = new Float32Array(x.length)
      native!.layerNorm(x, null, null, ln, mean, rstd, rows, cols, 1e-5)
      const gw = new Float32Array(cols)
      native!.layerNormBackward(x, gy, null, mean, rstd, null, gw, null, rows, cols)
      return [y, ly, gx, loss, lse, ln, gw]
    }
    native!.setNumThreads(1)
    const one = run()
    native!.setNumThreads(3)
    const three = withTuning({ rowsParallelMinElements: 1000 }, () => withPoolWorkers(run))
    native!.setNumThreads(original!.threads)
    for (let i = 0; i < one.length - 1; i++) expect([...three[i]!]).toEqual([...one[i]!])
    // gw: per-thread float64 partial sums, added in another order
    expect(close(three[6]!, one[6]!, 1e-6, 1e-6)).toBe('')
  })
})

describe.runIf(native)('row kernels: which outputs may share memory with which inputs', () => {
  // the error of an output overlapping an input; inPlace: the pair may be exactly the same elements
  const overlaps = (op: string, out: string, input: string, inPlace = false) =>
    new RegExp(`^${op}: output ${out} overlaps input ${input} in memory${inPlace ? ' \\(only exactly the same elements' : '; pass'}`)
  const rows = 2, cols = 3, n = rows * cols
  const f32 = (len: number) => new Float32Array(len)
  const t = Int32Array.from([0, 2])

  it('softmax backward: gx in place of gy, not over y', () => {
    const y = f32(n), gy = f32(n), buf = f32(n + 1)
    expect(() => native!.softmaxBackward(y, gy, gy, rows, cols)).not.toThrow()
    expect(() => native!.softmaxBackward(buf.subarray(1), gy, buf.subarray(0, n), rows, cols)).toThrow(overlaps('softmaxBackward', 'gx', 'y', true))
  })

  it('crossEntropy: loss and lse apart from x and from each other; the backward may write gx over x only', () => {
    const x = f32(n), loss = f32(rows), lse = f32(rows), gl = f32(rows)
    expect(() => native!.crossEntropy(x, t, loss, loss, rows, cols, -100, 0)).toThrow(overlaps('crossEntropy', 'loss', 'lse'))
    expect(() => native!.crossEntropy(x, t, loss, x.subarray(0, rows), rows, cols, -100, 0)).toThrow(overlaps('crossEntropy', 'lse', 'x'))
    native!.crossEntropy(x, t, loss, lse, rows, cols, -100, 0)
    expect(() => native!.crossEntropyBackward(x, t, lse, gl, x, rows, cols, -100, 0)).not.toThrow()
    const gx = f32(n)
    expect(() => native!.crossEntropyBackward(x, t, gx.subarray(0, rows), gl, gx, rows, cols, -100, 0)).toThrow(overlaps('crossEntropyBackward', 'gx', 'lse'))
  })

  it('layerNorm: y in place of x; mean and rstd apart from everything', () => {
    const x = f32(n), w = f32(cols), b = f32(cols), y = f32(n), mean = f32(rows), rstd = f32(rows)
    expect(() => native!.layerNorm(x, w, b, x, mean, rstd, rows, cols, 1e-5)).not.toThrow()
    expect(() => native!.layerNorm(x, y.subarray(0, cols), b, y, mean, rstd, rows, cols, 1e-5)).toThrow(overlaps('layerNorm', 'y', 'w'))
    expect(() => native!.layerNorm(x, w, b, y, mean, y.subarray(0, rows), rows, cols, 1e-5)).toThrow(overlaps('layerNorm', 'rstd', 'y'))
    expect(() => native!.layerNorm(x, w, b, y, mean, mean, rows, cols, 1e-5)).toThrow(overlaps('layerNorm', 'mean', 'rstd'))
  })

  it('layerNorm backward: gx in place of gy; gw and gb apart from everything', () => {
    const x = f32(n), gy = f32(n), w = f32(cols), mean = f32(rows), rstd = f32(rows), gx = f32(n), gw = f32(cols), gb = f32(cols)
    expect(() => native!.layerNormBackward(x, gy, w, mean, rstd, gy, gw, gb, rows, cols)).not.toThrow()
    expect(() => native!.layerNormBackward(x, gy, w, gx.subarray(0, rows), rstd, gx, gw, gb, rows, cols)).toThrow(overlaps('layerNormBackward', 'gx', 'mean'))
    expect(() => native!.layerNormBackward(x, gy, w, mean, rstd, gx, gw, gx.subarray(0, cols), rows, cols)).toThrow(overlaps('layerNormBackward', 'gb', 'gx'))
    expect(() => native!.layerNormBackward(x, gy, w, mean, rstd, null, gw, gw, rows, cols)).toThrow(overlaps('layerNormBackward', 'gw', 'gb'))
  })

  it('rmsNorm: y in place of x, rstd apart; the backward: gx in place of x, gw apart', () => {
    const x = f32(n), w = f32(cols), y = f32(n), rstd = f32(rows), gy = f32(n), gw = f32(cols)
    expect(() => native!.rmsNorm(x, w, x, rstd, rows, cols, 1e-6)).not.toThrow()
    expect(() => native!.rmsNorm(x, w, y, y.subarray(0, rows), rows, cols, 1e-6)).toThrow(overlaps('rmsNorm', 'rstd', 'y'))
    expect(() => native!.rmsNormBackward(x, gy, w, rstd, x, gw, rows, cols)).not.toThrow()
    expect(() => native!.rmsNormBackward(x, gy, w, rstd, y, y.subarray(0, cols), rows, cols)).toThrow(overlaps('rmsNormBackward', 'gw', 'gx'))
  })

  it('biasGelu: pre in place of x and y in place of pre; the backward: gx in place of gy, never over pre', () => {
    const x = f32(n), b = f32(cols), pre = f32(n), gy = f32(n), gx = f32(n)
    expect(() => native!.biasGelu(x, b, x, x, rows, cols, false)).not.toThrow()
    expect(() => native!.biasGeluBackward(pre, gy, gy, null, rows, cols, false)).not.toThrow()
    expect(() => native!.biasGeluBackward(pre, gy, pre, null, rows, cols, false)).toThrow(overlaps('biasGeluBackward', 'gx', 'pre'))
    expect(() => native!.biasGeluBackward(pre, gy, gx, gx.subarray(0, cols), rows, cols, false)).toThrow(overlaps('biasGeluBackward', 'gb', 'gx'))
  })
})
