// T5's stacks and blocks (t5/model.ts) on their own: structure, incremental
// decoding with newT5Cache, and the initialisation.
import { ShapeError, Tensor, ValueError, manualSeed, noGrad, randn } from '@adjoint/core'
import { assertClose } from '@adjoint/core/testing'
import { Embedding } from '@adjoint/nn'
import { describe, expect, it } from 'vitest'
import { T5Attention, T5Block, T5Model, T5Stack, initT5Weights, newT5Cache, t5Config } from '../../src/index.js'

const c = t5Config({ vocabSize: 24, dModel: 16, dKv: 4, dFf: 32, numLayers: 2, numDecoderLayers: 3, numHeads: 4, dropoutRate: 0, relativeAttentionNumBuckets: 8, relativeAttentionMaxDistance: 16 })
const ids = (rows: number[][]) => Tensor.fromArray(Int32Array.from(rows.flat()), [rows.length, rows[0].length], 'int32')

describe('T5Block', () => {
  it('an encoder block is self-attention + FF, a decoder block adds cross-attention and needs the encoder output', () => {
    expect(new T5Block(c, { isDecoder: false, hasRelativeAttentionBias: false }).layer.length).toBe(2)
    const dec = new T5Block(c, { isDecoder: true, hasRelativeAttentionBias: true })
    expect(dec.layer.length).toBe(3)
    expect(() => dec.forward(randn([1, 2, 16]), { positionBias: null, padding: null })).toThrow(ValueError)
    expect(() => dec.forward(randn([1, 2, 16]), { positionBias: null, padding: null })).toThrow(/a decoder block needs the encoder output/)
    const r = noGrad(() => dec.forward(randn([2, 3, 16]), { positionBias: null, padding: null, memory: randn([2, 5, 16]) }))
    expect(r.x.shape).toEqual([2, 3, 16])
    // the first block computes the position bias the others reuse: [1, heads, T, T]
    expect(r.positionBias!.shape).toEqual([1, 4, 3, 3])
  })
})

describe('T5Stack', () => {
  it('has numLayers (decoder: numDecoderLayers) blocks, a relative bias in the first only, and borrows the shared embedding', () => {
    const shared = new Embedding(24, 16)
    const enc = new T5Stack(c, shared, false), dec = new T5Stack(c, shared, true)
    expect([enc.block.length, dec.block.length]).toEqual([2, 3])
    const biases = [...dec.block].map((b) => [...b.modules()].filter((m) => m instanceof T5Attention && m.relative_attention_bias !== null).length)
    expect(biases).toEqual([1, 0, 0])
    expect(enc.embed_tokens).toBe(shared)
    expect(Object.keys(enc.stateDict()).filter((k) => k.includes('embed'))).toEqual([])
    expect(() => dec.forward({ inputIds: ids([[1, 2]]) })).toThrow(ShapeError)
    expect(() => dec.forward({ inputIds: ids([[1, 2]]) })).toThrow(/encoderHiddenStates must be \[1, S, 16\], got none/)
    expect(() => enc.forward({ inputIds: ids([[1, 24]]) })).toThrow(/token id 24 is out of range for a vocabulary of 24/)
  })

  it('decoding one position at a time with newT5Cache gives the full pass', () => {
    manualSeed(0)
    const model = new T5Model(c)
    model.eval()
    const memory = noGrad(() => model.encode(ids([[3, 4, 5, 6, 1], [7, 8, 1, 0, 0]]), ids([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])))
    const encMask = ids([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    const target = ids([[0, 9, 10, 11], [0, 12, 13, 14]])
    const full = noGrad(() => model.decoder.forward({ inputIds: target, encoderHiddenStates: memory, encoderAttentionMask: encMask }))
    const cache = newT5Cache(3)
    expect(cache).toHaveLength(3)
    expect(cache.map((l) => l.self.length)).toEqual([0, 0, 0])
    const steps: Tensor[] = []
    for (let t = 0; t < 4; t++) {
      steps.push(noGrad(() => model.decoder.forward({ inputIds: target.narrow(1, t, 1).contiguous(), encoderHiddenStates: memory, encoderAttentionMask: encMask, cache })))
    }
    expect(cache.map((l) => l.self.length)).toEqual([4, 4, 4])
    for (let t = 0; t < 4; t++) assertClose(steps[t], full.narrow(1, t, 1).contiguous(), { atol: 1e-5, rtol: 1e-4 })
    expect(() => model.decoder.forward({ inputIds: target, encoderHiddenStates: memory, cache: newT5Cache(2) })).toThrow(/one entry per block \(3\), got 2/)
  })
})

describe('initT5Weights', () => {
  const rms = (t: Tensor) => {
    let s = 0
    const d = t.contiguousData()
    for (const v of d) s += v * v
    return Math.sqrt(s / d.length)
  }

  it("Mesh TensorFlow's scales: q by (dModel dKv)^-1/2, k and v by dModel^-1/2, o by (heads dKv)^-1/2, FF by fan-in; norms 1", () => {
    const big = t5Config({ vocabSize: 8, dModel: 64, dKv: 16, dFf: 256, numLayers: 1, numDecoderLayers: 1, numHeads: 4, initializerFactor: 2 })
    const model = new T5Model(big)
    noGrad(() => { for (const p of model.parameters()) p.fill_(3) })
    manualSeed(1)
    initT5Weights(model, big)
    const sd = model.stateDict()
    const near = (name: string, want: number) => {
      const got = rms(sd[name])
      expect(got, name).toBeGreaterThan(want * 0.9)
      expect(got, name).toBeLessThan(want * 1.1)
    }
    near('encoder.block.0.layer.0.SelfAttention.q.weight', 2 * (64 * 16) ** -0.5)
    near('encoder.block.0.layer.0.SelfAttention.k.weight', 2 * 64 ** -0.5)
    near('decoder.block.0.layer.1.EncDecAttention.v.weight', 2 * 64 ** -0.5)
    near('encoder.block.0.layer.0.SelfAttention.o.weight', 2 * 64 ** -0.5)
    near('encoder.block.0.layer.1.DenseReluDense.wi.weight', 2 * 64 ** -0.5)
    near('encoder.block.0.layer.1.DenseReluDense.wo.weight', 2 * 256 ** -0.5)
    expect(new Set(sd['decoder.final_layer_norm.weight'].contiguousData())).toEqual(new Set([1]))
    // the shared embedding is not a T5 part: left as it was
    expect(new Set(sd['shared.weight'].contiguousData())).toEqual(new Set([3]))
  })
})
