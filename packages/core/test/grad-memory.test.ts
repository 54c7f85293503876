// The buffer pool behind Tensor.empty and the engine's reuse of gradient buffers.
// Every test runs with poisoning on: a buffer given back to the pool is filled
// with NaN, so a gradient released while something could still read it shows
// up as NaN in a comparison against the same computation with the pool off.
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { Generator, Tensor, cat, clearPool, defineFunction, linearGelu, poolStats, randn, setPoolOptions, type PoolOptions } from '../src/index.js'
import { assertClose } from '../src/testing/index.js'

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

describe('which buffers the engine gives back, and when', () => {
  const gen = () => new Generator(9)
  /** Pool counters changed by f: hits + misses is the number of pooled-size buffers taken. */
  function counted(f: () => void): { taken: number; released: number } {
    const before = poolStats()
    f()
    const after = poolStats()
    return { taken: after.hits + after.misses - before.hits - before.misses, released: after.released - before.released }
  }

  it('a leaf adopts its first gradient (no copy, nothing given back); later ones are added into it', () => {
    const x = randn([N, N], { generator: gen() }).requiresGrad_()
    const y = x.mul(3).sum()
    // mul's backward makes the one x-sized buffer, which becomes x.grad
    expect(counted(() => y.backward())).toEqual({ taken: 1, released: 0 })
    expect(x.grad!.toList().every((v) => v === 3)).toBe(true)
    const z = x.mul(2).sum()
    // the second gradient is added into x.grad in place, then its buffer goes back
    expect(counted(() => z.backward())).toEqual({ taken: 1, released: 1 })
    expect(x.grad!.toList().every((v) => v === 5)).toBe(true)
  })

  it('two gradients for one node are summed into the first one\'s buffer', () => {
    const x = randn([N, N], { generator: gen() }).requiresGrad_()
    const h = x.mul(2)
    const z = h.mul(3).add(h.mul(4)).sum()
    // h's node receives 3g and 4g: 3g becomes 7g in place and 4g goes back; mul(2) then makes x.grad
    const c = counted(() => z.backward())
    expect(c.taken).toBe(3)
    expect(c.released).toBe(2)
    expect(x.grad!.toList().every((v) => v === 14)).toBe(true)
  })

  it('a gradient that arrives as a transposed or partial view is copied into a .grad of its own', () => {
    const x = randn([N, N], { generator: gen() }).requiresGrad_()
    const w = randn([N, N], { generator: gen() })
    x.transpose(0, 1).mul(w).sum().backward()
    expect(x.grad!.isContiguous()).toBe(true)
    assertClose(x.grad!, w.transpose(0, 1).contiguous())
    const y = randn([N, N], { generator: gen() }).requiresGrad_()
    cat([y, w], 0).mul(2).sum().backward() // y's gradient: the first half of cat's [2N, N] gradient
    expect(y.grad!.storage.data.length).toBe(N * N)
    expect(y.grad!.toList().every((v) => v === 2)).toBe(true)
  })

  it('a leaf as the root: its .grad is a copy of the seed, which the next pass does not touch', () => {
    const x = randn([N, N], { generator: gen() }).requiresGrad_()
    const seed = Tensor.zeros([N, N], 'float32').add(2)
    x.backward(seed)
    expect(x.grad!.storage.data.length).toBe(N * N)
    expect(x.grad!.toList().every((v) => v === 2)).toBe(true)
    x.backward(seed) // added into x.grad, not into the seed
    expect(x.grad!.toList().every((v) => v === 4)).toBe(true)
    expect(seed.toList().every((v) => v === 2)).toBe(true)
  })

  it('scratch a backward closure allocated and never handed on goes back at the end of the pass', () => {
    // linearGelu's backward writes the pre-activation's gradient [32, 32] (pooled size) into scratch
    // and hands on only the products of it; x, W, b and their gradients are below the pooled size
    // (sum's backward passes its gradient on as a broadcast view: nothing taken)
    const g = gen()
    const [x, w] = [0, 1].map(() => randn([32, 8], { generator: g }).requiresGrad_())
    const b = randn([32], { generator: g }).requiresGrad_()
    const loss = linearGelu(x, w, b).sum()
    expect(counted(() => loss.backward())).toEqual({ taken: 1, released: 1 })
    expect(counted(() => Tensor.empty([32, 32], 'float32'))).toEqual({ taken: 1, released: 0 })
    expect(poolStats().hits).toBe(1)
  })

  it('one gradient shared by two nodes (add\'s backward) is not summed into in place while the other still needs it', () => {
    const run = () => {
      const x = randn([N, N], { generator: gen() }).requiresGrad_()
      const a = x.mul(2), b = x.mul(3)
      // a and b receive the same gradient tensor from add; a then gets a second gradient
      // while b's node has not run yet: adding it into the shared buffer would change b's
      a.mul(2).sum().add(b.mul(3).tanh().sum()).add(a.add(b).tanh().sum()).backward()
      return [x.grad!.toList()]
    }
    const { pooled, plain } = withAndWithout(run)
    expectSame(pooled, plain)
  })
})
