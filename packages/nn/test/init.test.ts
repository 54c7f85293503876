// Initializers: distributions (moments, bounds), PyTorch's default init of each layer, seeding.
import { Generator, Tensor, manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { Embedding, LayerNorm, Linear, MultiheadAttention, init } from '../src/index.js'
import { erf, erfinv } from '../src/special.js'

const stats = (t: Tensor) => {
  const d = Array.from(t.contiguousData())
  const mean = d.reduce((a, b) => a + b, 0) / d.length
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length)
  return { mean, std, min: Math.min(...d), max: Math.max(...d) }
}

describe('init', () => {
  const big = () => Tensor.empty([200, 300], 'float64')

  it('uniform_, normal_, constant_', () => {
    const u = stats(init.uniform_(big(), -2, 3))
    expect(u.min).toBeGreaterThanOrEqual(-2)
    expect(u.max).toBeLessThan(3)
    expect(u.mean).toBeCloseTo(0.5, 1)
    const n = stats(init.normal_(big(), 1, 0.5))
    expect(n.mean).toBeCloseTo(1, 2)
    expect(n.std).toBeCloseTo(0.5, 2)
    expect(stats(init.ones_(big())).min).toBe(1)
    expect(stats(init.zeros_(big())).max).toBe(0)
  })

  it('xavier and kaiming use fan in / fan out and the gain', () => {
    const w = big() // fanIn 300, fanOut 200
    const xu = stats(init.xavierUniform_(w, 2))
    const a = 2 * Math.sqrt(6 / 500)
    expect(xu.max).toBeLessThanOrEqual(a)
    expect(xu.std).toBeCloseTo(a / Math.sqrt(3), 3)
    expect(stats(init.xavierNormal_(big())).std).toBeCloseTo(Math.sqrt(2 / 500), 3)
    expect(stats(init.kaimingNormal_(big(), { mode: 'fanOut', nonlinearity: 'relu' })).std).toBeCloseTo(Math.sqrt(2) / Math.sqrt(200), 3)
    const ku = stats(init.kaimingUniform_(big(), { a: Math.sqrt(5) }))
    expect(ku.max).toBeLessThanOrEqual(1 / Math.sqrt(300))
    expect(ku.std).toBeCloseTo(1 / Math.sqrt(300) / Math.sqrt(3), 3)
    expect(() => init.xavierUniform_(Tensor.empty([3], 'float32'))).toThrow(/fewer than 2 dims/)
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3)
    expect(init.calculateGain('leaky_relu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04))
  })

  it('truncNormal_ stays in [a, b] with the truncated moments, even far in the tail', () => {
    const t = stats(init.truncNormal_(big(), 0, 1, -2, 2))
    expect(t.min).toBeGreaterThanOrEqual(-2)
    expect(t.max).toBeLessThanOrEqual(2)
    expect(t.std).toBeCloseTo(0.8796, 2) // std of N(0,1) truncated to [-2, 2]
    const tail = stats(init.truncNormal_(Tensor.empty([1000], 'float64'), 0, 1, 6, 7))
    expect(tail.min).toBeGreaterThanOrEqual(6)
    expect(tail.mean).toBeCloseTo(6.158, 1)
    expect(erfinv(erf(0.3))).toBeCloseTo(0.3, 14)
    expect(erfinv(erf(-2.7))).toBeCloseTo(-2.7, 11) // erf is flat there: 1 ulp of y moves x by ~1e-13
  })

  it('is reproducible from manualSeed or a generator; writes bump the version', () => {
    manualSeed(3)
    const a = new Linear(4, 5).weight.toList()
    manualSeed(3)
    expect(new Linear(4, 5).weight.toList()).toEqual(a)
    const g1 = init.normal_(Tensor.empty([5], 'float32'), 0, 1, { generator: new Generator(9) }).toList()
    expect(init.normal_(Tensor.empty([5], 'float32'), 0, 1, { generator: new Generator(9) }).toList()).toEqual(g1)
    const t = Tensor.empty([3], 'float32')
    const v = t.version
    init.ones_(t)
    expect(t.version).toBe(v + 1)
    // non-contiguous views are filled in place
    const m = Tensor.empty([3, 4], 'float32')
    init.ones_(m.transpose(0, 1).slice(0, 1, 2))
    expect(m.toList()).toEqual([0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0])
  })

  it("layers get PyTorch's default initialization", () => {
    manualSeed(0)
    const lin = new Linear(400, 300)
    const bound = 1 / Math.sqrt(400)
    const w = stats(lin.weight), b = stats(lin.bias!)
    expect(w.max).toBeLessThanOrEqual(bound)
    expect(w.min).toBeGreaterThanOrEqual(-bound)
    expect(w.std).toBeCloseTo(bound / Math.sqrt(3), 3)
    expect(b.max).toBeLessThanOrEqual(bound)
    const emb = new Embedding(500, 64, { paddingIdx: 3 })
    expect(stats(emb.weight).std).toBeCloseTo(1, 1)
    expect(emb.weight.slice(0, 3, 4).abs().sum().item()).toBe(0)
    const ln = new LayerNorm(7)
    expect(ln.weight!.toList()).toEqual(Array(7).fill(1))
    expect(ln.bias!.toList()).toEqual(Array(7).fill(0))
    const mha = new MultiheadAttention(64, 4)
    expect(stats(mha.inProjWeight!).max).toBeLessThanOrEqual(Math.sqrt(6 / (64 + 192)))
    expect(mha.inProjBias!.abs().sum().item()).toBe(0)
    expect(mha.outProj.bias!.abs().sum().item()).toBe(0)
  })
})
