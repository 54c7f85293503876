// graphScope: a training step's activations go back to the pool when the step
// ends. Every test runs with poisoning on (a released buffer is filled with NaN)
// and compares against the same computation with the pool off, so a buffer
// handed out while something could still read it shows up as a wrong number.
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import {
  Generator, Tensor, clearPool, defineFunction, graphScope, keep, noGrad, poolStats, randn, releaseBuffer,
  scaledDotProductAttention, setPoolOptions, type PoolOptions,
} from '../src/index.js'

const N = 64 // 64 x 64 = 4096 elements: above the pool's minimum size
let saved: Required<PoolOptions>
beforeEach(() => { saved = setPoolOptions({ poison: true, maxBytes: 64 * 2 ** 20 }); clearPool() })
afterAll(() => { setPoolOptions(saved); clearPool() })

/** Runs f with the pool on and off; both results must be equal element for element. */
function expectSameWithoutPool(f: () => number[][]): number {
  const pooled = f()
  const hits = poolStats().hits
  const prev = setPoolOptions({ maxBytes: 0 })
  const plain = f()
  setPoolOptions(prev)
  expect(pooled.length).toBe(plain.length)
  pooled.forEach((row, i) => {
    expect(row.length).toBe(plain[i].length)
    for (let k = 0; k < row.length; k++) {
      if (!(row[k] === plain[i][k])) throw new Error(`result ${i}, element ${k}: ${row[k]} (pooled) != ${plain[i][k]} (no pool)`)
    }
  })
  return hits
}

/** A small two-layer model with views, a fan-out, a broadcast and an in-place op, as parameters + a step. */
function model(seed: number) {
  const g = new Generator(seed)
  const w1 = randn([N, N], { generator: g }).requiresGrad_()
  const b1 = randn([N], { generator: g }).requiresGrad_()
  const w2 = randn([N, N], { generator: g }).requiresGrad_()
  const x = randn([N, N], { generator: g })
  const forward = () => {
    const h = x.matmul(w1).add(b1).tanh()
    const y = h.mul(h).add(h.transpose(0, 1)).matmul(w2)
    const z = y.reshape([N * N]).slice(0, 0, N * N, 2).reshape([N / 2, N])
    return z.exp().mean().add(y.mul(0.5).relu().sum().mul(1e-3))
  }
  /** One SGD step with w -= 0.01 grad, in place. */
  const update = () => {
    for (const p of [w1, b1, w2]) { p.detach().sub_(p.grad!.mul(0.01)); p.grad = null }
  }
  return { params: [w1, b1, w2], forward, update }
}

/** x * x as a custom Function that saves its input (user code: its node is opaque). */
const square = defineFunction({
  name: 'squareSavingInput',
  forward: (ctx, x: Tensor) => { ctx.saveForBackward(x); return x.mul(x) },
  backward: (ctx, g: Tensor) => [g.mul(ctx.savedTensors[0]).mul(2)],
})

describe('graphScope', () => {
  it('a training loop gives the same numbers as without the pool, and reuses the activations', () => {
    const hits = expectSameWithoutPool(() => {
      const m = model(1)
      const out: number[][] = []
      for (let step = 0; step < 4; step++) {
        const loss = graphScope(() => {
          const l = m.forward()
          l.backward()
          const value = l.item()
          out.push(m.params[0].grad!.toList(), m.params[2].grad!.toList())
          m.update()
          return value
        })
        out.push([loss])
      }
      return out
    })
    expect(hits).toBeGreaterThan(10)
  })

  it('empties the storages of the step, so a tensor kept against the rules fails loudly', () => {
    const m = model(2)
    let stale: Tensor | null = null
    graphScope(() => {
      const l = m.forward()
      stale = l
      l.backward()
    })
    expect(stale!.storage.data.length).toBe(1) // a one-element loss is below the pooled size: untouched
    let h: Tensor | null = null
    graphScope(() => {
      h = m.params[0].mul(2).exp()
      h.sum().backward()
    })
    expect(h!.storage.data.length).toBe(0)
    expect(poolStats().released).toBeGreaterThan(0)
  })

  it('the result (tensors, arrays and objects of them) and keep()s stay valid', () => {
    expectSameWithoutPool(() => {
      const m = model(3)
      const out: number[][] = []
      for (let step = 0; step < 3; step++) {
        let kept: Tensor | null = null
        const r = graphScope(() => {
          const h = m.params[0].mul(3).sin()
          const v = h.transpose(0, 1) // a view: its storage is h's
          kept = keep(h.exp())
          const l = h.mul(v).sum().add(kept.sum())
          l.backward()
          return { l, views: [v] }
        })
        for (let i = 0; i < 3; i++) graphScope(() => { m.forward().backward(); m.update() }) // reuse what was released
        out.push(r.views[0].toList(), kept!.toList(), [r.l.item()])
      }
      return out
    })
  })

  it('a graph returned before its backward keeps its activations; backward after the scope is exact', () => {
    expectSameWithoutPool(() => {
      const m = model(4)
      const loss = graphScope(() => {
        m.forward().mul(2).backward() // a step's graph, released
        return m.forward() // a second graph, returned whole
      })
      for (const p of m.params) p.grad = null
      graphScope(() => { m.params[2].mul(7).cos().sum().backward() }) // takes whatever was released
      for (const p of m.params) p.grad = null
      loss.backward()
      return m.params.map((p) => p.grad!.toList())
    })
  })

  it('retainGrad, non-leaf hooks and custom Functions keep what they may hold', () => {
    expectSameWithoutPool(() => {
      const m = model(5)
      const seen: Tensor[] = []
      let retained: Tensor | null = null
      let hooked: Tensor | null = null
      let custom: Tensor | null = null
      graphScope(() => {
        retained = m.params[0].mul(2).tanh()
        retained.retainGrad()
        hooked = retained.mul(3)
        const h = hooked
        hooked.registerHook((g) => { seen.push(h) ; return g })
        custom = square(hooked)
        custom.sum().backward()
      })
      for (let i = 0; i < 3; i++) graphScope(() => { m.forward().backward(); m.update() })
      return [retained!.toList(), retained!.grad!.toList(), hooked!.toList(), seen[0].toList(), custom!.toList()]
    })
  })

  it('retainGraph and createGraph turn the release off: a later backward reads the activations', () => {
    expectSameWithoutPool(() => {
      const m = model(6)
      const out: number[][] = []
      const l = graphScope(() => {
        const l = m.forward()
        l.backward(undefined, { retainGraph: true })
        return l.item()
      })
      out.push([l])
      const [w1] = m.params
      let gw: Tensor | null = null
      graphScope(() => {
        w1.grad = null
        w1.mul(w1).sin().sum().backward(undefined, { createGraph: true })
        gw = w1.grad
      })
      for (let i = 0; i < 2; i++) graphScope(() => { m.params[2].mul(5).exp().sum().backward() })
      w1.grad = null
      gw!.sum().backward() // double backward after the scope
      out.push(w1.grad!.toList())
      return out
    })
  })

  it('fused attention over heads of one projection: the bypassed views and the kernel scratch are released correctly', () => {
    const hits = expectSameWithoutPool(() => {
      const g = new Generator(7)
      const w = randn([32, 96], { generator: g }).requiresGrad_()
      const x = randn([4, 16, 32], { generator: g })
      const out: number[][] = []
      for (let step = 0; step < 3; step++) {
        let qkv: Tensor | null = null
        graphScope(() => {
          qkv = x.matmul(w) // B, T, 3 x (2 heads x 16)
          const [q, k, v] = qkv.split(32, 2).map((t) => t.reshape([4, 16, 2, 16]).transpose(1, 2))
          const y = scaledDotProductAttention(q, k, v, { isCausal: true })
          y.mul(y).sum().backward()
          out.push(w.grad!.toList(), [y.sum().item()])
          w.grad = null
        })
        if (poolStats().bytes > 0) expect(qkv!.storage.data.length).toBe(0) // the head views no backward ran through are released too
      }
      return out
    })
    expect(hits).toBeGreaterThan(0)
  })

  it('nested scopes: the inner result is the outer scope\'s to release', () => {
    expectSameWithoutPool(() => {
      const m = model(8)
      const out: number[][] = []
      const outer = graphScope(() => {
        const inner = graphScope(() => {
          const h = m.params[0].mul(4).sigmoid()
          h.sum().backward()
          return h
        })
        out.push(inner.toList())
        return inner.mul(1).sum().item()
      })
      graphScope(() => { m.forward().backward() })
      out.push([outer])
      return out
    })
  })

  it('an exception inside the scope releases nothing', () => {
    const m = model(9)
    let h: Tensor | null = null
    expect(() => graphScope(() => {
      h = m.params[0].mul(2).exp()
      h.sum().backward()
      throw new Error('step failed')
    })).toThrow('step failed')
    expect(h!.storage.data.length).toBe(N * N)
  })
})

describe('graphScope with releaseDuringBackward', () => {
  const eager = { releaseDuringBackward: true }

  it('gives activations back while the backward runs; the loop gives the same numbers as without the pool', () => {
    const hits = expectSameWithoutPool(() => {
      const m = model(11)
      const out: number[][] = []
      for (let step = 0; step < 4; step++) {
        const loss = graphScope(() => {
          const l = keep(m.forward())
          l.backward()
          out.push(m.params[0].grad!.toList(), m.params[1].grad!.toList(), m.params[2].grad!.toList())
          m.update()
          return l.item()
        }, eager)
        out.push([loss])
      }
      return out
    })
    expect(hits).toBeGreaterThan(10)
    const m = model(12)
    let h: Tensor | null = null
    let emptiedBeforeScopeEnd = false
    graphScope(() => {
      h = m.params[0].mul(2).exp()
      h.mul(3).sum().backward()
      emptiedBeforeScopeEnd = h.storage.data.length === 0
    }, eager)
    expect(emptiedBeforeScopeEnd).toBe(true)
  })

  it('keep() before the backward, retainGrad, hooks and custom Functions keep their tensors', () => {
    expectSameWithoutPool(() => {
      const m = model(13)
      const seen: Tensor[] = []
      const r = graphScope(() => {
        const kept = keep(m.params[2].mul(0.5).cos())
        const retained = m.params[0].mul(2).tanh().retainGrad()
        const hooked = retained.mul(3)
        hooked.registerHook((g) => { seen.push(hooked); return g })
        const custom = square(hooked)
        custom.sum().add(kept.mul(retained).sum()).backward()
        return { kept, retained, hooked, custom }
      }, eager)
      for (let i = 0; i < 3; i++) graphScope(() => { const l = keep(m.forward()); l.backward(); m.update() }, eager)
      return [r.kept.toList(), r.retained.toList(), r.retained.grad!.toList(), r.hooked.toList(), seen[0].toList(), r.custom.toList()]
    })
  })

  it('fused attention over packed heads and a branch no backward reached', () => {
    expectSameWithoutPool(() => {
      const g = new Generator(14)
      const w = randn([32, 96], { generator: g }).requiresGrad_()
      const x = randn([4, 16, 32], { generator: g })
      const out: number[][] = []
      for (let step = 0; step < 3; step++) {
        graphScope(() => {
          const qkv = x.matmul(w)
          const [q, k, v] = qkv.split(32, 2).map((t) => t.reshape([4, 16, 2, 16]).transpose(1, 2))
          const y = scaledDotProductAttention(q, k, v, { isCausal: true })
          const unused = qkv.mul(2).exp() // never backpropagated: released when the scope ends
          y.mul(y).sum().backward()
          out.push(w.grad!.toList(), [unused.sum().item()])
          w.grad = null
        }, eager)
      }
      return out
    })
  })
})

describe('graphScope with releaseEverything', () => {
  it('a no-grad evaluation gives every buffer back but its result; numbers as without the pool', () => {
    const hits = expectSameWithoutPool(() => {
      const m = model(15)
      const out: number[][] = []
      noGrad(() => {
        for (let i = 0; i < 4; i++) {
          const r = graphScope(() => {
            const l = m.forward()
            const h = m.params[0].mul(2).exp() // a no-grad activation: nothing records it
            return { value: l.item(), h }
          }, { releaseEverything: true })
          out.push([r.value], r.h.toList())
        }
      })
      return out
    })
    expect(hits).toBeGreaterThan(4)
  })
})

describe('releaseBuffer', () => {
  it('gives a whole buffer back and empties it; refuses views', () => {
    const t = Tensor.zeros([N, N], 'float32')
    expect(releaseBuffer(t.transpose(0, 1).slice(0, 0, 8))).toBe(false)
    expect(releaseBuffer(t)).toBe(true)
    expect(t.storage.data.length).toBe(0)
    expect(Tensor.empty([N, N], 'float32').storage.data.length).toBe(N * N)
    expect(poolStats().hits).toBe(1)
  })
})
