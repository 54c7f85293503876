// The addon's fused optimizer kernels (optim.cc) against core's TS reference
// (backend/ts/optim.ts, itself checked against PyTorch by nn's optimizer
// fixtures): Adam/AdamW/amsgrad/maximize, SGD variants, the sum of squares and
// joint scaling behind clipGradNorm_, on one and several threads, float32 and
// float64, with odd lengths (vector tails) and bad arguments. The loops are
// compiled per ISA by GCC target clones and chosen by the CPU, not by setIsa.
import { compareClose } from '@adjoint/core/testing'
import { referenceBackend } from '@adjoint/core'
import { afterAll, describe, expect, it } from 'vitest'
import '../src/index.js'
import { native, rng, withPoolWorkers, type FloatArray, type FloatCtor } from './helpers.js'

const ref = referenceBackend()
const threads0 = native?.info().threads ?? 1
afterAll(() => native?.setNumThreads(threads0))

// 70,000 elements in all (above the addon's threading threshold), lengths that leave vector tails
const lengths = [1, 7, 33, 1031, 40_000, 28_928]

function lists(ctor: FloatCtor, seed: number, count: number, scale = 1): FloatArray[][] {
  const r = rng(seed)
  return Array.from({ length: count }, () => lengths.map((n) => { const a = new ctor(n); for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale; return a }))
}
const copy = (xs: FloatArray[]) => xs.map((x) => x.slice())
const tol = (ctor: FloatCtor) => (ctor === Float32Array ? { atol: 2e-6, rtol: 2e-5 } : { atol: 1e-14, rtol: 1e-12 })

function expectClose(got: FloatArray[], want: FloatArray[], ctor: FloatCtor, what: string): void {
  got.forEach((g, k) => {
    const msg = compareClose(g, want[k], tol(ctor)).message
    if (msg) throw new Error(`${what}[${k}] (length ${g.length}): ${msg}`)
  })
}

describe.each([Float32Array, Float64Array])('optimizer kernels, %s', (ctor) => {
  for (const threads of [1, 2]) {
    for (const variant of [{ decoupled: true, amsgrad: false, maximize: false }, { decoupled: false, amsgrad: true, maximize: true }]) {
      it.runIf(native)(`adamStep (${JSON.stringify(variant)}, ${threads} threads) matches the TS loop over 3 steps`, () => {
        native!.setNumThreads(threads)
        const [p, m0, v0] = lists(ctor, 1, 3)
        const v = v0.map((x) => x.map(Math.abs) as FloatArray)
        const m = m0, vmax = v.map((x) => x.slice())
        const mine = { p: copy(p), m: copy(m), v: copy(v), vmax: copy(vmax) }
        const theirs = { p: copy(p), m: copy(m), v: copy(v), vmax: copy(vmax) }
        const h = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, decoupled: variant.decoupled, maximize: variant.maximize }
        for (let step = 1; step <= 3; step++) {
          const [g] = lists(ctor, 10 + step, 1)
          const consts = new Float64Array(lengths.flatMap(() => [1e-3 / (1 - 0.9 ** step), Math.sqrt(1 - 0.99 ** step), 1e-3]))
          const run = () => native!.adamStep(mine.p, g, mine.m, mine.v, variant.amsgrad ? mine.vmax : null, consts, h.beta1, h.beta2, h.eps, h.weightDecay, h.decoupled, h.maximize)
          if (threads > 1 && step === 1) {
            // the pool must really run part of it: redo the step from saved state until a worker took a task
            const saved = { p: copy(mine.p), m: copy(mine.m), v: copy(mine.v), vmax: copy(mine.vmax) }
            withPoolWorkers(() => { saved.p.forEach((x, k) => mine.p[k].set(x)); saved.m.forEach((x, k) => mine.m[k].set(x)); saved.v.forEach((x, k) => mine.v[k].set(x)); saved.vmax.forEach((x, k) => mine.vmax[k].set(x)); run() })
          } else run()
          ref.adamStep(theirs.p, g, theirs.m, theirs.v, variant.amsgrad ? theirs.vmax : null, consts, h)
        }
        expectClose(mine.p, theirs.p, ctor, 'param')
        expectClose(mine.m, theirs.m, ctor, 'expAvg')
        expectClose(mine.v, theirs.v, ctor, 'expAvgSq')
        if (variant.amsgrad) expectClose(mine.vmax, theirs.vmax, ctor, 'maxExpAvgSq')
      })
    }

    for (const variant of [{ momentum: 0, nesterov: false, maximize: false, weightDecay: 0 }, { momentum: 0.9, nesterov: true, maximize: false, weightDecay: 0.01 }, { momentum: 0.9, nesterov: false, maximize: true, weightDecay: 0, dampening: 0.1 }]) {
      it.runIf(native)(`sgdStep (${JSON.stringify(variant)}, ${threads} threads) matches the TS loop over 2 steps`, () => {
        native!.setNumThreads(threads)
        const [p] = lists(ctor, 2, 1)
        const mine = { p: copy(p), b: p.map((x) => new ctor(x.length)) }
        const theirs = { p: copy(p), b: p.map((x) => new ctor(x.length)) }
        const h = { lr: 0.05, dampening: 0, ...variant }
        for (let step = 1; step <= 2; step++) {
          const [g] = lists(ctor, 20 + step, 1)
          const fresh = new Int32Array(lengths.length).fill(step === 1 ? 1 : 0)
          native!.sgdStep(mine.p, g, h.momentum ? mine.b : null, fresh, h.lr, h.momentum, h.dampening, h.weightDecay, h.nesterov, h.maximize)
          ref.sgdStep(theirs.p, g, h.momentum ? theirs.b : null, fresh, h)
        }
        expectClose(mine.p, theirs.p, ctor, 'param')
        if (h.momentum) expectClose(mine.b, theirs.b, ctor, 'momentumBuffer')
      })
    }

    it.runIf(native)(`sumSquares and scaleAll (${threads} threads) match the TS loops`, () => {
      native!.setNumThreads(threads)
      const [xs] = lists(ctor, 3, 1, 3)
      const got = native!.sumSquares(xs), want = ref.sumSquares(xs)
      expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * want)
      const a = copy(xs), b = copy(xs)
      native!.scaleAll(a, 0.37)
      ref.scaleAll(b, 0.37)
      expectClose(a, b, ctor, 'scaled')
      expect(native!.sumSquares([])).toBe(0)
      expect(Number.isNaN(native!.sumSquares([ctor.from([1, NaN])]))).toBe(true)
    })
  }
})

describe('optimizer kernels: bad arguments', () => {
  it.runIf(native)('name the function and the problem', () => {
    const a = new Float32Array(4), b = new Float32Array(4), c = new Float32Array(4), d = new Float32Array(4)
    const consts = new Float64Array(3)
    expect(() => native!.adamStep([a], [b, b], [c], [d], null, consts, 0.9, 0.99, 1e-8, 0, true, false)).toThrow(/adamStep: grads has 2 arrays, params has 1/)
    expect(() => native!.adamStep([a], [new Float32Array(3)], [c], [d], null, consts, 0.9, 0.99, 1e-8, 0, true, false)).toThrow(/adamStep: grads\[0\] has length 3/)
    expect(() => native!.adamStep([a], [new Float64Array(4)], [c], [d], null, consts, 0.9, 0.99, 1e-8, 0, true, false)).toThrow(TypeError)
    expect(() => native!.adamStep([a], [a], [c], [d], null, consts, 0.9, 0.99, 1e-8, 0, true, false)).toThrow(/overlap/)
    expect(() => native!.adamStep([a], [b], [c], [d], null, new Float64Array(2), 0.9, 0.99, 1e-8, 0, true, false)).toThrow(RangeError)
    expect(() => native!.sgdStep([a], [b], null, new Int32Array(0), 0.1, 0, 0, 0, false, false)).toThrow(RangeError)
    expect(() => native!.sumSquares([a, 3 as unknown as Float32Array])).toThrow(/sumSquares: arrays\[1\] must be a Float32Array or Float64Array/)
    expect(() => native!.scaleAll('x' as unknown as Float32Array[], 2)).toThrow(TypeError)
  })
})
