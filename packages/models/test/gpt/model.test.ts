import { Generator, Tensor, manualSeed, noGrad, randn } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { CausalSelfAttention, GPT, gptConfig, initGPTWeights } from '../../src/index.js'

const cfg = { vocabSize: 30, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 }
const ids = (rows: number[][]) => Tensor.fromArray(Int32Array.from(rows.flat()), [rows.length, rows[0].length], 'int32')

describe('GPT', () => {
  it("names its parameters like Hugging Face's GPT2LMHeadModel", () => {
    const names = Object.keys(new GPT({ ...cfg, nLayer: 1 }).stateDict())
    expect(names).toEqual([
      'transformer.wte.weight', 'transformer.wpe.weight',
      'transformer.h.0.ln_1.weight', 'transformer.h.0.ln_1.bias',
      'transformer.h.0.attn.c_attn.weight', 'transformer.h.0.attn.c_attn.bias',
      'transformer.h.0.attn.c_proj.weight', 'transformer.h.0.attn.c_proj.bias',
      'transformer.h.0.ln_2.weight', 'transformer.h.0.ln_2.bias',
      'transformer.h.0.mlp.c_fc.weight', 'transformer.h.0.mlp.c_fc.bias',
      'transformer.h.0.mlp.c_proj.weight', 'transformer.h.0.mlp.c_proj.bias',
      'transformer.ln_f.weight', 'transformer.ln_f.bias', 'lm_head.weight',
    ])
  })

  it('ties the LM head to the token embedding unless asked not to', () => {
    const tied = new GPT(cfg)
    expect(tied.lm_head.weight).toBe(tied.transformer.wte.weight)
    const untied = new GPT({ ...cfg, tieWeights: false })
    expect(untied.lm_head.weight).not.toBe(untied.transformer.wte.weight)
    expect(untied.numParams() - tied.numParams()).toBe(30 * 16)
    expect(new GPT({ ...cfg, bias: false }).stateDict()['transformer.h.0.attn.c_attn.bias']).toBeUndefined()
  })

  it("uses GPT-2's init: N(0, 0.02), residual projections scaled by 1/sqrt(2 nLayer)", () => {
    const m = new GPT({ vocabSize: 64, blockSize: 64, nLayer: 8, nHead: 4, nEmbd: 128 }, { generator: new Generator(3) })
    const std = (t: Tensor) => { const d = t.contiguousData(); let s = 0; for (const v of d) s += v * v; return Math.sqrt(s / d.length) }
    const sd = m.stateDict()
    expect(std(sd['transformer.h.0.attn.c_attn.weight'])).toBeCloseTo(0.02, 3)
    expect(std(sd['transformer.wte.weight'])).toBeCloseTo(0.02, 3)
    expect(std(sd['transformer.h.3.mlp.c_proj.weight'])).toBeCloseTo(0.02 / 4, 4)
    expect(std(sd['transformer.h.3.attn.c_proj.weight'])).toBeCloseTo(0.02 / 4, 4)
    expect([...sd['transformer.h.0.attn.c_attn.bias'].contiguousData()].every((v) => v === 0)).toBe(true)
    expect([...sd['transformer.ln_f.weight'].contiguousData()].every((v) => v === 1)).toBe(true)
  })

  it('gives logits [B, T, V] and a loss near ln V at init', () => {
    manualSeed(0)
    const m = new GPT(cfg)
    const x = ids([[1, 2, 3, 4], [5, 6, 7, 8]])
    const { logits, loss } = m.forward(x, ids([[2, 3, 4, 5], [6, 7, 8, 9]]))
    expect(logits.shape).toEqual([2, 4, 30])
    expect(loss!.item()).toBeCloseTo(Math.log(30), 1)
    expect(m.forward(x).loss).toBeNull()
    expect(m.forward(x, null, { lastOnly: true }).logits.shape).toEqual([2, 1, 30])
  })

  it('is causal: a later token does not change earlier logits', () => {
    manualSeed(1)
    const m = new GPT(cfg)
    const a = noGrad(() => m.forward(ids([[1, 2, 3, 4, 5]])).logits.contiguousData())
    const b = noGrad(() => m.forward(ids([[1, 2, 3, 4, 9]])).logits.contiguousData())
    for (let i = 0; i < 4 * 30; i++) expect(b[i]).toBeCloseTo(a[i], 5)
    expect(Math.abs(b[4 * 30] - a[4 * 30])).toBeGreaterThan(0)
  })

  it('refuses sequences longer than the block size, bad ids and bad targets with clear messages', () => {
    const m = new GPT(cfg)
    expect(() => m.forward(ids([Array(17).fill(1)]))).toThrow(/17 positions exceed the block size 16/)
    expect(() => m.forward(ids([[1, 30]]))).toThrow(/token id 30 out of range for vocabSize 30/)
    expect(() => m.forward(Tensor.fromArray(new Float32Array(4), [1, 4], 'float32'))).toThrow(/idx must be an int32 tensor/)
    expect(() => m.forward(ids([[1, 2]]), ids([[1, 2, 3]]))).toThrow(/targets must be int32 of idx's shape \[1,2\]/)
  })

  it('ignores targets of -1 in the loss', () => {
    manualSeed(2)
    const m = new GPT(cfg)
    const x = ids([[1, 2, 3, 4]])
    const all = m.forward(x, ids([[2, 3, 4, 5]])).loss!.item()
    const half = m.forward(x, ids([[2, 3, -1, -1]])).loss!.item()
    const first = m.forward(ids([[1, 2]]), ids([[2, 3]])).loss!.item()
    expect(half).toBeCloseTo(first, 5)
    expect(half).not.toBeCloseTo(all, 5)
  })

  it('the KV cache gives the same logits as a full forward, one position at a time', () => {
    manualSeed(4)
    const m = new GPT({ ...cfg, activation: 'geluTanh' }).eval()
    const seq = [3, 1, 4, 1, 5, 9, 2, 6]
    const full = noGrad(() => m.forward(ids([seq])).logits.contiguousData())
    const cache = m.newCache()
    noGrad(() => {
      const pre = m.forward(ids([seq.slice(0, 3)]), null, { cache }).logits.contiguousData()
      for (let i = 0; i < 3 * 30; i++) expect(pre[i]).toBeCloseTo(full[i], 5)
      for (let t = 3; t < seq.length; t++) {
        const l = m.forward(ids([[seq[t]]]), null, { cache }).logits.contiguousData()
        for (let v = 0; v < 30; v++) expect(l[v]).toBeCloseTo(full[t * 30 + v], 5)
      }
    })
    expect(cache[0].length).toBe(seq.length)
    expect(() => noGrad(() => m.forward(ids([Array(9).fill(1)]), null, { cache }))).toThrow(/8 cached \+ 9 positions exceed the block size 16/)
  })
})

describe('CausalSelfAttention', () => {
  it('maps [B, T, E] to [B, T, E], and position t sees only positions up to t', () => {
    manualSeed(0)
    const attn = new CausalSelfAttention(gptConfig({ ...cfg, dropout: 0 }))
    const x = randn([2, 5, 16])
    const y = noGrad(() => attn.forward(x))
    expect(y.shape).toEqual([2, 5, 16])
    const data = Float32Array.from(x.contiguousData())
    for (let i = 4 * 16; i < 5 * 16; i++) data[i] += 1 // change the last position of the first row
    const y2 = noGrad(() => attn.forward(Tensor.fromArray(data, [2, 5, 16], 'float32')))
    const a = y.contiguousData(), b = y2.contiguousData()
    let earlier = 0, last = 0
    for (let i = 0; i < 4 * 16; i++) earlier = Math.max(earlier, Math.abs(a[i] - b[i]))
    for (let i = 4 * 16; i < 5 * 16; i++) last = Math.max(last, Math.abs(a[i] - b[i]))
    expect(earlier).toBe(0)
    expect(last).toBeGreaterThan(1e-4)
    expect(Array.from(a.subarray(5 * 16))).toEqual(Array.from(b.subarray(5 * 16)))
  })

  it('gives a one-position input its value projection through c_proj', () => {
    manualSeed(1)
    const attn = new CausalSelfAttention(gptConfig({ ...cfg, dropout: 0 }))
    const x = randn([1, 1, 16])
    // one key: softmax weight 1, so y = c_proj(v) with v the last third of c_attn(x)
    const want = noGrad(() => attn.c_proj.forward(attn.c_attn.forward(x).narrow(2, 32, 16).contiguous()))
    const got = noGrad(() => attn.forward(x))
    const g = got.contiguousData(), w = want.contiguousData()
    for (let i = 0; i < 16; i++) expect(Math.abs(g[i] - w[i])).toBeLessThan(1e-5)
  })
})

describe('initGPTWeights', () => {
  const std = (t: Tensor) => {
    const d = t.contiguousData()
    let m = 0, s = 0
    for (const v of d) m += v
    m /= d.length
    for (const v of d) s += (v - m) ** 2
    return Math.sqrt(s / d.length)
  }

  it("GPT-2's scheme: N(0, 0.02) weights, zero biases, unit LayerNorms, residual projections scaled by 1/sqrt(2 nLayer)", () => {
    const model = new GPT({ vocabSize: 64, blockSize: 64, nLayer: 8, nHead: 4, nEmbd: 64 })
    noGrad(() => { for (const p of model.parameters()) p.fill_(3) })
    initGPTWeights(model, 8, new Generator(7))
    const sd = model.stateDict()
    expect(std(sd['transformer.wte.weight'])).toBeGreaterThan(0.018)
    expect(std(sd['transformer.wte.weight'])).toBeLessThan(0.022)
    expect(std(sd['transformer.h.0.mlp.c_fc.weight'])).toBeGreaterThan(0.018)
    expect(std(sd['transformer.h.0.mlp.c_fc.weight'])).toBeLessThan(0.022)
    const resid = 0.02 / Math.sqrt(16)
    expect(std(sd['transformer.h.3.mlp.c_proj.weight'])).toBeGreaterThan(resid * 0.9)
    expect(std(sd['transformer.h.3.mlp.c_proj.weight'])).toBeLessThan(resid * 1.1)
    expect(std(sd['transformer.h.3.attn.c_proj.weight'])).toBeLessThan(resid * 1.1)
    expect(new Set(sd['transformer.h.0.attn.c_attn.bias'].contiguousData())).toEqual(new Set([0]))
    expect(new Set(sd['transformer.ln_f.weight'].contiguousData())).toEqual(new Set([1]))
    expect(new Set(sd['transformer.h.1.ln_2.bias'].contiguousData())).toEqual(new Set([0]))
  })

  it('draws from the generator given: the same seed, the same weights', () => {
    const a = new GPT({ ...cfg, nLayer: 1 }), b = new GPT({ ...cfg, nLayer: 1 })
    initGPTWeights(a, 1, new Generator(3))
    initGPTWeights(b, 1, new Generator(3))
    expect(b.transformer.wte.weight.toArray()).toEqual(a.transformer.wte.weight.toArray())
    initGPTWeights(b, 1, new Generator(4))
    expect(b.transformer.wte.weight.toArray()).not.toEqual(a.transformer.wte.weight.toArray())
  })
})
