// The buffer pool behind Tensor.empty and the engine's reuse of gradient buffers.
// Every test runs with poisoning on: a buffer given back to the pool is filled
// with NaN, so a gradient released while something could still read it shows
// up as NaN in a comparison against the same computation with the pool off.
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { Generator, Tensor, clearPool, defineFunction, poolStats, randn, setPoolOptions, type PoolOptions } from '../src/index.js'

const N = 64 // 64 x 64 = 4096 elements: above the pool's minimum size
let saved: Required<PoolOptions>
beforeEach(() => { saved = setPoolOptions({ poison: true, maxBytes: 64 * 2 ** 20 }); clearPool() })
afterAll(() => { setPoolOptions(saved); clearPool() })

/** Runs f with the pool on and off; returns both results as plain arrays. */
function withAndWithout(f: () => number[][]): { pooled: number[][]; plain: number[][]; hits: number } {
  const pooled = f()
  const hits = poolStats().hits
  const prev = setPoolOptions({ maxBytes: 0 })
  const plain = f()
  setPoolOptions(prev)
  return { pooled, plain, hits }
}

function expectSame(a: number[][], b: number[][]): void {
  expect(a.length).toBe(b.length)
  a.forEach((row, i) => {
    expect(row.length).toBe(b[i].length)
    for (let k = 0; k < row.length; k++) {
      if (!(row[k] === b[i][k])) throw new Error(`result ${i}, element ${k}: ${row[k]} (pooled) != ${b[i][k]} (no pool)`)
    }
  })
}

describe('Tensor.empty / Tensor.zeros', () => {
  it('zeros clears a pooled buffer; empty reuses it as is', () => {
    const x = randn([N, N]).requiresGrad_()
    x.mul(2).mul(3).sum().backward() // mul(3)'s input gradient is released once mul(2)'s backward ran
    expect(poolStats().released).toBeGreaterThan(0)
    const z = Tensor.zeros([N, N], 'float32')
    expect(z.toList().every((v) => v === 0)).toBe(true)
    x.mul(2).mul(3).sum().backward()
    const e = Tensor.empty([N, N], 'float32')
    expect(e.numel()).toBe(N * N)
    expect(poolStats().hits).toBeGreaterThan(0)
  })

  it('a full pool keeps nothing more, and maxBytes 0 turns it off', () => {
    setPoolOptions({ maxBytes: 4 * N * N })
    const x = randn([N, N]).requiresGrad_()
    x.mul(2).mul(3).mul(4).sum().backward()
    expect(poolStats().bytes).toBeLessThanOrEqual(4 * N * N)
    setPoolOptions({ maxBytes: 0 })
    expect(poolStats().bytes).toBe(0)
    expect(() => setPoolOptions({ maxBytes: -1 })).toThrow(RangeError)
  })
})

describe('gradient buffers reused by the engine', () => {
  const gen = () => new Generator(7)

  it('a chain, a fan-out, views and broadcasts give the same gradients as without the pool', () => {
    const run = () => {
      const g = gen()
      const a = randn([N, N], { generator: g }).requiresGrad_()
      const b = randn([N], { generator: g }).requiresGrad_()
      const w = randn([N, N], { generator: g }).requiresGrad_()
      const out: number[][] = []
      for (let step = 0; step < 3; step++) {
        a.grad = b.grad = w.grad = null
        const h = a.matmul(w).add(b).tanh() // broadcast bias
        const y = h.mul(h).add(h.transpose(0, 1)).reshape([N * N]).slice(0, 0, N * N, 2) // fan-out, views
        const z = y.sum().add(h.exp().mean()).add(a.mul(a).sum())
        z.backward()
        out.push(a.grad!.toList(), b.grad!.toList(), w.grad!.toList())
      }
      return out
    }
    const { pooled, plain, hits } = withAndWithout(run)
    expectSame(pooled, plain)
    expect(hits).toBeGreaterThan(0)
  })

  it('x + x (one gradient delivered twice) and a leaf used three times accumulate correctly', () => {
    const run = () => {
      const x = randn([N, N], { generator: gen() }).requiresGrad_()
      x.add(x).mul(x).sum().backward()
      const first = x.grad!.toList()
      x.add(x).mul(x).sum().backward() // accumulates into the adopted .grad
      return [first, x.grad!.toList()]
    }
    const { pooled, plain } = withAndWithout(run)
    expectSame(pooled, plain)
  })

  it('a .grad adopted from the engine is not overwritten by the next backward pass', () => {
    const x = randn([N, N], { generator: gen() }).requiresGrad_()
    x.mul(3).sum().backward()
    const g = x.grad!
    const before = g.toList()
    x.grad = null // the user keeps g
    for (let i = 0; i < 3; i++) x.mul(5).exp().sum().backward()
    expect(g.toList()).toEqual(before)
    expect(before.every((v) => v === 3)).toBe(true)
  })

  it('gradients seen by hooks, retainGrad and a custom Function keep their buffers', () => {
    const seen: Tensor[] = []
    const values: number[][] = []
    const double = defineFunction({
      name: 'keepGrad',
      forward: (_ctx, x: Tensor) => x.mul(2),
      backward: (_ctx, g: Tensor) => { seen.push(g); values.push(g.toList()); return g.mul(2) },
    })
    const x = randn([N, N], { generator: gen() }).requiresGrad_()
    const h = x.mul(1.5)
    h.retainGrad()
    h.registerHook((g) => { seen.push(g); values.push(g.toList()) })
    double(h).exp().sum().backward()
    const hGrad = h.grad!.toList()
    for (let i = 0; i < 3; i++) x.mul(2).tanh().sum().backward() // reuse whatever was released
    seen.forEach((t, i) => expect(t.toList()).toEqual(values[i]))
    expect(h.grad!.toList()).toEqual(hGrad)
  })

  it('retainGraph: a second backward through the same graph gives the same gradient', () => {
    const run = () => {
      const x = randn([N, N], { generator: gen() }).requiresGrad_()
      const y = x.matmul(x).tanh().sum()
      y.backward(undefined, { retainGraph: true })
      const first = x.grad!.toList()
      x.grad = null
      y.backward()
      return [first, x.grad!.toList()]
    }
    const { pooled, plain } = withAndWithout(run)
    expectSame(pooled, plain)
    expectSame([pooled[0]], [pooled[1]])
  })
})
