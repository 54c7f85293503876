// The addon's float32 GELU kernels (kernels.inl, rows.cc) against core's TS
// reference (float64 formulas on the same float32 inputs), on every kernel set
// this CPU runs, with vector-loop tails, special values, threads and bad arguments.
import { getBackend, manualSeed, randn, referenceBackend } from '@adjoint/core'
import { compareClose } from '@adjoint/core/testing'
import { describe, expect, it } from 'vitest'
import '../src/index.js'
import { restoreIsaAndThreadsAfterAll, builtIsas, skipTestsUnlessCpuRuns, native, rng, withPoolWorkers, withTuning } from './helpers.js'

const ref = referenceBackend()
const original = restoreIsaAndThreadsAfterAll()

const lengths = [0, 1, 3, 7, 8, 9, 15, 16, 17, 33, 1031]
const specials = [NaN, Infinity, -Infinity, 0, -0, 6, -6, 19.9, -19.9, 25, -25, 1e30, -1e30, 3e-39]

function inputs(n: number, seed: number): Float32Array {
  const r = rng(seed)
  const x = new Float32Array(n)
  for (let i = 0; i < n; i++) x[i] = i < specials.length && n > 100 ? specials[i]! : (r() * 2 - 1) * 12
  return x
}

/** '' or what differs by more than atol + rtol |want| (NaN/inf must match). */
function close(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): string {
  return compareClose(got, want, { atol, rtol }).message
}

describe.each(builtIsas)('gelu kernels on isa %s', (isa) => {
  skipTestsUnlessCpuRuns(isa)
  for (const approximate of [false, true]) {
    it.runIf(native)(`${approximate ? 'tanh' : 'exact'}: forward and backward match the float64 TS kernels`, () => {
      native!.setIsa(isa)
      for (const n of lengths) {
        const x = inputs(n, n + 1), gy = inputs(n, n + 2).map((v) => (Number.isFinite(v) ? v / 12 : 0.5))
        const x64 = Float64Array.from(x), gy64 = Float64Array.from(gy)
        const y = new Float32Array(n), want = new Float64Array(n)
        native!.gelu(x, y, n, approximate)
        ref.gelu(x64, want, n, approximate)
        // float64 reference: x Phi(x) -> NaN at -inf (0 * inf); the kernel gives 0 there, as torch's limit
        for (let i = 0; i < n; i++) if (x[i] === -Infinity) want[i] = 0
        expect(close(y, want, 2e-7, 2e-6), `gelu n=${n}`).toBe('')
        const gx = new Float32Array(n), gwant = new Float64Array(n)
        native!.geluBackward(x, gy, gx, n, approximate)
        ref.geluBackward(x64, gy64, gwant, n, approximate)
        for (let i = 0; i < n; i++) if (x[i] === Infinity || x[i] === -Infinity || Math.abs(x[i]!) > 1e10) gwant[i] = x[i]! > 0 ? gy[i]! : 0
        expect(close(gx, gwant, 2e-7, 2e-6), `geluBackward n=${n}`).toBe('')
        // in place: y may be x, gx may be gy
        const xi = x.slice()
        native!.gelu(xi, xi, n, approximate)
        expect([...xi]).toEqual([...y])
        const gi = gy.slice()
        native!.geluBackward(x, gi, gi, n, approximate)
        expect([...gi]).toEqual([...gx])
      }
      native!.setIsa(original!.isa)
    })
  }
})

// biasGelu / biasGeluBackward / columnSums: [rows, cols] with row tails (cols not a multiple of the vector width)
const shapes: [number, number][] = [[0, 5], [1, 1], [3, 7], [5, 16], [4, 17], [9, 33], [40, 129]]

describe.each(builtIsas)('bias GELU and column-sum kernels on isa %s', (isa) => {
  skipTestsUnlessCpuRuns(isa)
  for (const approximate of [false, true]) {
    it.runIf(native)(`${approximate ? 'tanh' : 'exact'}: biasGelu / biasGeluBackward match the TS kernels; columnSums matches exactly`, () => {
      native!.setIsa(isa)
      for (const [rows, cols] of shapes) {
        const n = rows * cols, seed = 7 * rows + cols
        const finite = (v: number) => (Number.isFinite(v) && Math.abs(v) < 1e10 ? v : 1) // special values: the gelu test above
        const x = inputs(n, seed).map((v) => finite(v) / 3), b = inputs(cols, seed + 1).map((v) => finite(v) / 6)
        const gy = inputs(n, seed + 2).map((v) => (Number.isFinite(v) ? v / 12 : 0.5))
        const pre = new Float32Array(n), y = new Float32Array(n), preRef = new Float32Array(n), yRef = new Float64Array(n)
        native!.biasGelu(x, b, pre, y, rows, cols, approximate)
        ref.biasGelu(x, b, preRef, new Float32Array(n), rows, cols, approximate)
        expect([...pre]).toEqual([...preRef]) // x + b rounded once, as the TS kernel
        ref.gelu(Float64Array.from(pre), yRef, n, approximate)
        expect(close(y, yRef, 2e-7, 2e-6), `biasGelu ${rows}x${cols}`).toBe('')
        const gx = new Float32Array(n), gb = new Float32Array(cols), gxRef = new Float64Array(n)
        native!.biasGeluBackward(pre, gy, gx, gb, rows, cols, approximate)
        ref.geluBackward(Float64Array.from(pre), Float64Array.from(gy), gxRef, n, approximate)
        expect(close(gx, gxRef, 2e-7, 2e-6), `biasGeluBackward ${rows}x${cols}`).toBe('')
        const gbRef = new Float32Array(cols)
        ref.columnSums(gx, 0, gbRef, rows, cols) // the bias gradient: the kernel's own gx summed in float64
        expect([...gb]).toEqual([...gbRef])
        // in place: pre may be x, gx may be gy; gb may be left out
        const xi = x.slice()
        native!.biasGelu(xi, b, xi, y, rows, cols, approximate)
        expect([...xi]).toEqual([...pre])
        const gi = gy.slice()
        native!.biasGeluBackward(pre, gi, gi, null, rows, cols, approximate)
        expect([...gi]).toEqual([...gx])
        // columnSums at an offset, against the TS kernel (same float64 sums in row order)
        const big = new Float32Array(n + 3)
        big.set(gy, 3)
        const cs = new Float32Array(cols), csRef = new Float32Array(cols)
        native!.columnSums(big, 3, cs, rows, cols)
        ref.columnSums(gy, 0, csRef, rows, cols)
        expect([...cs]).toEqual([...csRef])
      }
      native!.setIsa(original!.isa)
    })
  }
})

/** run() on 1 thread, then on 3 with the pool's workers taking part: [one, three]. */
function oneAndThreeThreads(run: () => Float32Array[]): [Float32Array[], Float32Array[]] {
  native!.setNumThreads(1)
  const one = run()
  native!.setNumThreads(3)
  const three = withTuning({ rowsParallelMinElements: 1000 }, () => withPoolWorkers(run))
  native!.setNumThreads(original!.threads)
  return [one, three]
}

describe('gelu kernels: threads and arguments', () => {
  it.runIf(native)('biasGeluBackward and columnSums over threads: same gx, sums within float64 rounding of one thread', () => {
    const rows = 1000, cols = 301, n = rows * cols
    const pre = inputs(n, 11), gy = inputs(n, 12).map((v) => (Number.isFinite(v) ? v / 12 : 0.5))
    const run = () => {
      const gx = new Float32Array(n), gb = new Float32Array(cols), cs = new Float32Array(cols)
      native!.biasGeluBackward(pre, gy, gx, gb, rows, cols, false)
      native!.columnSums(gy, 0, cs, rows, cols)
      return [gx, gb, cs]
    }
    const [one, three] = oneAndThreeThreads(run)
    expect(Buffer.from(three[0]!.buffer).equals(Buffer.from(one[0]!.buffer))).toBe(true)
    expect(close(three[1]!, one[1]!, 1e-6, 1e-6)).toBe('')
    expect(close(three[2]!, one[2]!, 1e-6, 1e-6)).toBe('')
  })

  it.runIf(native)('biasGelu may compute in place (pre = y = x): the same values as separate arrays', () => {
    const rows = 5, cols = 37, x = new Float32Array(rows * cols), b = new Float32Array(cols)
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i) * 4
    for (let i = 0; i < cols; i++) b[i] = Math.cos(i)
    for (const tanh of [false, true]) {
      const pre = new Float32Array(x.length), y = new Float32Array(x.length), inPlace = x.slice()
      native!.biasGelu(x, b, pre, y, rows, cols, tanh)
      native!.biasGelu(inPlace, b, inPlace, inPlace, rows, cols, tanh)
      expect(Buffer.from(inPlace.buffer).equals(Buffer.from(y.buffer))).toBe(true)
    }
  })

  it.runIf(native)('biasGelu, biasGeluBackward, columnSums reject float64, short arrays and overlap', () => {
    const x = new Float32Array(12), b = new Float32Array(4), big = new Float32Array(13)
    expect(() => native!.biasGelu(new Float64Array(12) as never, b, x, new Float32Array(12), 3, 4, false)).toThrow(TypeError)
    expect(() => native!.biasGelu(x, new Float32Array(3), x, new Float32Array(12), 3, 4, false)).toThrow(/^biasGelu: bias \(Float32Array of length 3\) is too short/)
    expect(() => native!.biasGelu(big, b, big, big.subarray(1), 3, 4, false)).toThrow(/^biasGelu: output y overlaps/)
    expect(() => native!.biasGelu(big.subarray(1), b, big, big.subarray(1), 3, 4, false)).toThrow(/^biasGelu: output pre overlaps/)
    expect(() => native!.biasGeluBackward(x, x, new Float32Array(12), x.subarray(0, 4), 3, 4, false)).toThrow(/^biasGeluBackward: output gb overlaps/)
    expect(() => native!.biasGeluBackward(x, x, new Float32Array(8), null, 3, 4, false)).toThrow(/^biasGeluBackward: gx \(Float32Array of length 8\) is too short/)
    expect(() => native!.columnSums(x, 2, new Float32Array(4), 3, 4)).toThrow(/^columnSums: x \(Float32Array of length 12\) is too short/)
    expect(() => native!.columnSums(x, 0, x.subarray(8), 3, 4)).toThrow(/^columnSums: output out overlaps/)
    expect(() => native!.columnSums(new Int32Array(4) as never, 0, new Float32Array(4), 1, 4)).toThrow(TypeError)
  })

  it.runIf(native)('split over threads gives bitwise the same results as one thread', () => {
    const n = 300_001, x = inputs(n, 5), gy = inputs(n, 6)
    const run = () => {
      const y = new Float32Array(n), gx = new Float32Array(n)
      native!.gelu(x, y, n, false)
      native!.geluBackward(x, gy, gx, n, true)
      return [y, gx]
    }
    const [one, three] = oneAndThreeThreads(run)
    expect(Buffer.from(three[0]!.buffer).equals(Buffer.from(one[0]!.buffer))).toBe(true)
    expect(Buffer.from(three[1]!.buffer).equals(Buffer.from(one[1]!.buffer))).toBe(true)
  })

  it.runIf(native)('rejects float64, short arrays, overlap and a non-boolean flag', () => {
    const x = new Float32Array(8)
    expect(() => native!.gelu(new Float64Array(8) as never, x, 8, false)).toThrow(TypeError)
    expect(() => native!.gelu(x, new Float32Array(4), 8, false)).toThrow(/^gelu: y \(Float32Array of length 4\) is too short/)
    expect(() => native!.gelu(x.subarray(0, 4), x.subarray(1, 5), 4, false)).toThrow(/^gelu: output y overlaps input x/)
    expect(() => native!.gelu(x, x, 8, 1 as never)).toThrow(/^gelu: approximate must be a boolean/)
    expect(() => native!.geluBackward(x, x, x, -1, false)).toThrow(RangeError)
    expect(() => native!.geluBackward(x, x, x.subarray(1), 7, false)).toThrow(/^geluBackward: output gx overlaps input x/)
  })

  it.runIf(native)('registered: float32 tensors use the addon, float64 the TS kernel, both match', () => {
    manualSeed(3)
    for (const dtype of ['float32', 'float64'] as const) {
      const x = randn([12, 64, 33], { dtype }).mul(3).detach().requiresGrad_()
      const g = randn([12, 64, 33], { dtype })
      x.gelu().backward(g)
      const x64 = Float64Array.from(x.contiguousData()), want = new Float64Array(x64.length)
      ref.geluBackward(x64, Float64Array.from(g.contiguousData()), want, x64.length, false)
      expect(close(x.grad!.contiguousData(), want, dtype === 'float32' ? 2e-6 : 1e-14, 1e-5)).toBe('')
    }
    expect(getBackend().gelu).not.toBe(ref.gelu)
  })
})
