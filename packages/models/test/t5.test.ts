// T5: shapes, HF parameter names, masks (encoder padding, decoder causality),
// the tied/untied LM head, an overfit run, a float64 gradcheck, and generation
// with and without the decoder's key/value cache.
import { Tensor, gradcheck, manualSeed, noGrad } from '@adjoint/core'
import { assertClose } from '@adjoint/core/testing'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../src/errors.js'
import { relativePositionBucket, relativePositionBuckets } from '../src/t5/attention.js'
import { t5Config, t5ConfigFromHF, t5ConfigToHF } from '../src/t5/config.js'
import { t5Generate } from '../src/t5/generate.js'
import { T5ForConditionalGeneration, T5LayerCrossAttention, T5LayerSelfAttention, T5Model, shiftRight } from '../src/t5/model.js'
import { overfit } from './overfit.js'
import { leavesOf, withSwapped } from './swap.js'

const ids = (rows: number[][]) => Tensor.fromArray(Int32Array.from(rows.flat()), [rows.length, rows[0].length], 'int32')
const small = { vocabSize: 24, dModel: 16, dKv: 8, dFf: 32, numLayers: 2, numHeads: 2, relativeAttentionNumBuckets: 8, relativeAttentionMaxDistance: 16, dropoutRate: 0 }

describe('T5 model', () => {
  it('has the shapes and the parameter names of HF\'s T5', () => {
    manualSeed(0)
    const m = new T5ForConditionalGeneration(small)
    const out = m.forward({ inputIds: ids([[5, 6, 7, 1], [8, 9, 1, 0]]), labels: ids([[10, 11, 1], [12, 1, -100]]) })
    expect(out.logits.shape).toEqual([2, 3, 24])
    expect(out.encoderLastHiddenState.shape).toEqual([2, 4, 16])
    const names = m.namedParameters().map(([n]) => n)
    for (const n of [
      'shared.weight',
      'encoder.block.0.layer.0.SelfAttention.q.weight',
      'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight',
      'encoder.block.1.layer.1.DenseReluDense.wi.weight',
      'encoder.block.1.layer.1.layer_norm.weight',
      'encoder.final_layer_norm.weight',
      'decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight',
      'decoder.block.1.layer.1.EncDecAttention.o.weight',
      'decoder.block.1.layer.2.DenseReluDense.wo.weight',
      'decoder.final_layer_norm.weight',
    ]) expect(names).toContain(n)
    // the bias table lives in the first layer only; the embedding is listed once; the LM head is tied
    expect(names.filter((n) => n.includes('relative_attention_bias'))).toHaveLength(2)
    expect(names.filter((n) => n.includes('embed_tokens') || n.startsWith('lm_head'))).toEqual([])
    expect(m.encoder.embed_tokens).toBe(m.shared)
    const untied = new T5ForConditionalGeneration({ ...small, tieWordEmbeddings: false, feedForwardProj: 'gated-gelu', numDecoderLayers: 1 })
    const un = untied.namedParameters().map(([n]) => n)
    expect(un).toContain('lm_head.weight')
    expect(un).toContain('encoder.block.0.layer.1.DenseReluDense.wi_0.weight')
    expect(un.filter((n) => n.startsWith('decoder.block.')).some((n) => n.startsWith('decoder.block.1'))).toBe(false)
    const bare = new T5Model(small)
    expect(bare.forward({ inputIds: ids([[5, 6]]), decoderInputIds: ids([[0, 7, 8]]) }).lastHiddenState.shape).toEqual([1, 3, 16])
  })

  it('ignores encoder padding and is causal in the decoder', () => {
    manualSeed(1)
    const m = new T5ForConditionalGeneration(small).eval()
    const mask = ids([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    const dec = ids([[0, 10, 11, 12], [0, 13, 14, 15]])
    const a = m.forward({ inputIds: ids([[5, 6, 7, 8, 1], [9, 4, 1, 0, 0]]), attentionMask: mask, decoderInputIds: dec })
    const b = m.forward({ inputIds: ids([[5, 6, 7, 8, 1], [9, 4, 1, 22, 17]]), attentionMask: mask, decoderInputIds: dec })
    expect(a.logits.toList()).toEqual(b.logits.toList())
    expect(a.encoderLastHiddenState.narrow(1, 0, 3).toList()).toEqual(b.encoderLastHiddenState.narrow(1, 0, 3).toList())
    // changing a later decoder token leaves the earlier positions' logits unchanged
    const c = m.forward({ inputIds: ids([[5, 6, 7, 8, 1], [9, 4, 1, 0, 0]]), attentionMask: mask, decoderInputIds: ids([[0, 10, 11, 20], [0, 13, 21, 15]]) })
    expect(c.logits.narrow(1, 0, 3).narrow(0, 0, 1).toList()).toEqual(a.logits.narrow(1, 0, 3).narrow(0, 0, 1).toList())
    expect(c.logits.narrow(1, 0, 2).narrow(0, 1, 1).toList()).toEqual(a.logits.narrow(1, 0, 2).narrow(0, 1, 1).toList())
    expect(c.logits.narrow(1, 3, 1).toList()).not.toEqual(a.logits.narrow(1, 3, 1).toList())
  })

  it('buckets relative positions: exact near, logarithmic far, signed in the encoder, past-only in the decoder', () => {
    expect([-3, -2, -1, 0, 1, 2, 3].map((r) => relativePositionBucket(r, true, 32, 128))).toEqual([3, 2, 1, 0, 17, 18, 19])
    expect([-3, 0, 3].map((r) => relativePositionBucket(r, false, 32, 128))).toEqual([3, 0, 0])
    expect(relativePositionBucket(-1000, false, 32, 128)).toBe(31)
    expect(relativePositionBucket(1000, true, 32, 128)).toBe(31)
    const b = relativePositionBuckets(2, 3, false, 8, 16, 1) // queries at 1, 2
    expect(b.toArray()).toEqual([[1, 0, 0], [2, 1, 0]])
  })

  it('shifts labels right into decoder inputs', () => {
    expect(shiftRight(ids([[5, 6, 1], [7, 1, -100]]), 0, 0).toArray()).toEqual([[0, 5, 6], [0, 7, 1]])
  })

  it('checks configs and inputs with clear errors', () => {
    expect(() => t5Config({ vocabSize: 10, feedForwardProj: 'swish' as never })).toThrow(/feedForwardProj/)
    expect(() => t5Config({ vocabSize: 10 }, 'xxl')).toThrow(ConfigError)
    expect(() => t5Config({ vocabSize: 10, eosTokenId: 10 })).toThrow(/eosTokenId/)
    expect(t5Config({ vocabSize: 10, numLayers: 3 }).numDecoderLayers).toBe(3)
    const c = t5Config({ ...small, numDecoderLayers: 1 })
    expect(t5ConfigFromHF(t5ConfigToHF(c))).toEqual(c)
    expect(t5ConfigToHF(c).d_kv).toBe(8)
    const m = new T5ForConditionalGeneration(small)
    expect(() => m.forward({ inputIds: ids([[5, 99]]), labels: ids([[1]]) })).toThrow(/out of range/)
    expect(() => m.forward({ inputIds: ids([[5, 6]]) })).toThrow(/decoderInputIds or labels/)
    expect(() => m.forward({ inputIds: ids([[5, 6]]), attentionMask: ids([[0, 0]]), labels: ids([[1]]) })).toThrow(/no real token/)
  })

  it('overfits one batch (loss near zero)', () => {
    manualSeed(2)
    const m = new T5ForConditionalGeneration(small)
    const inputIds = ids([[5, 22, 7, 23, 1], [9, 22, 4, 1, 0]])
    const attentionMask = ids([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]])
    const labels = ids([[22, 10, 11, 23, 12, 1], [22, 13, 1, -100, -100, -100]])
    const { first, last } = overfit(m.parameters(), { lr: 2e-2, steps: 60 }, () => m.forward({ inputIds, attentionMask, labels }).loss!)
    expect(first).toBeGreaterThan(2)
    expect(last).toBeLessThan(0.05)
  })

  for (const variant of [{ feedForwardProj: 'relu' as const, tieWordEmbeddings: true }, { feedForwardProj: 'gated-gelu' as const, tieWordEmbeddings: false }]) {
    it(`passes gradcheck in float64 (${variant.feedForwardProj}, ${variant.tieWordEmbeddings ? 'tied' : 'untied'})`, () => {
      manualSeed(3)
      const m = new T5ForConditionalGeneration({ vocabSize: 9, dModel: 4, dKv: 2, dFf: 6, numLayers: 1, numHeads: 2, relativeAttentionNumBuckets: 4, relativeAttentionMaxDistance: 8, dropoutRate: 0, ...variant }).double()
      const inputIds = ids([[3, 4, 5], [6, 1, 0]]), attentionMask = ids([[1, 1, 1], [1, 1, 0]]), labels = ids([[7, 8, 1], [2, 1, -100]])
      const selfAttn = (m.encoder.block.get(0).layer.get(0) as T5LayerSelfAttention).SelfAttention
      const cross = m.decoder.block.get(0).layer.get(1) as T5LayerCrossAttention
      const slots = [[selfAttn.relative_attention_bias!, 'weight'], [cross.EncDecAttention.k, 'weight'], [cross.layer_norm, 'weight'], [m.shared, 'weight']] as const
      const leaves = leavesOf(slots)
      const fn = (...xs: Tensor[]) => withSwapped(slots, xs, () => m.forward({ inputIds, attentionMask, labels }).loss!)
      expect(gradcheck(fn, leaves, { atol: 1e-6, rtol: 1e-4 })).toBe(true)
    })
  }
})

describe('T5 generation', () => {
  it('cached decoding equals uncached decoding (greedy and sampled), and the logits agree step by step', () => {
    manualSeed(4)
    for (const variant of [{}, { feedForwardProj: 'gated-gelu' as const, tieWordEmbeddings: false, numDecoderLayers: 3 }]) {
      const m = new T5ForConditionalGeneration({ ...small, ...variant })
      const input = ids([[5, 6, 7, 8, 1], [9, 4, 1, 0, 0]]), attentionMask = ids([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
      const opts = { maxNewTokens: 12, attentionMask, eosTokenId: null }
      const greedy = t5Generate(m, input, { ...opts, temperature: 0 })
      expect(greedy.shape).toEqual([2, 12])
      expect(t5Generate(m, input, { ...opts, temperature: 0, useCache: false }).toList()).toEqual(greedy.toList())
      const sampled = t5Generate(m, input, { ...opts, temperature: 1, seed: 11 })
      expect(t5Generate(m, input, { ...opts, temperature: 1, seed: 11, useCache: false }).toList()).toEqual(sampled.toList())
      // step-by-step logits: cache vs full recomputation
      noGrad(() => {
        m.eval()
        const enc = m.encode(input, attentionMask)
        const cache = m.newCache()
        const seq = ids([[0, ...greedy.narrow(0, 0, 1).toList()], [0, ...greedy.narrow(0, 1, 1).toList()]])
        const full = m.decode(seq, enc, { attentionMask })
        for (let t = 0; t < 6; t++) {
          const step = m.decode(seq.narrow(1, t, 1), enc, { attentionMask, cache })
          const want = full.narrow(1, t, 1).toList(), got = step.toList()
          assertClose(got, want, { rtol: 0, atol: 1e-4, what: `step ${t}` })
        }
      })
    }
  })

  it('decoding with a cache computes the relative position bias once per generation (a table by distance), not once per token', () => {
    manualSeed(6)
    const m = new T5ForConditionalGeneration(small)
    const attn = (m.decoder.block.get(0).layer.get(0) as T5LayerSelfAttention).SelfAttention
    const computeBias = attn.computeBias.bind(attn)
    const calls: number[][] = []
    attn.computeBias = (l: number, s: number, offset = 0) => { calls.push([l, s, offset]); return computeBias(l, s, offset) }
    const opts = { maxNewTokens: 12, eosTokenId: null, temperature: 0 }
    const cached = t5Generate(m, [5, 6, 7, 1], opts)
    expect(calls).toEqual([[1, 13, 12]]) // maxNewTokens + 1 positions, made on the first step
    calls.length = 0
    expect(t5Generate(m, [5, 6, 7, 1], { ...opts, useCache: false }).toList()).toEqual(cached.toList())
    expect(calls.length).toBe(12)
    // a cache without maxLength: the table doubles when outgrown; the rows still equal computeBias's
    noGrad(() => {
      m.eval()
      const cache = m.newCache()
      for (let S = 1; S <= 9; S++) {
        const got = attn.stepBias(cache[0].self, S).toList(), want = computeBias(1, S, S - 1).toList()
        expect(got).toEqual(want)
      }
    })
  })

  it('stops rows at EOS and pads them', () => {
    manualSeed(5)
    const m = new T5ForConditionalGeneration(small)
    // train it a little to say "10 1" (EOS = 1) for one input
    overfit(m.parameters(), { lr: 1e-2, steps: 25 }, () => m.forward({ inputIds: ids([[5, 6, 1]]), labels: ids([[10, 1]]) }).loss!)
    const out = t5Generate(m, [5, 6, 1], { temperature: 0, maxNewTokens: 6 })
    expect(out.toList()).toEqual([10, 1])
    expect(() => t5Generate(m, [5, 6], { maxNewTokens: 0 })).toThrow(/maxNewTokens/)
  })
})
