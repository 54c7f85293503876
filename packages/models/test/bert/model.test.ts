// BERT's parts (bert/model.ts) one by one: each computes what its doc says, and
// BertModel is their composition.
import { ShapeError, Tensor, manualSeed, noGrad, randn } from '@adjoint/core'
import { assertClose } from '@adjoint/core/testing'
import { Embedding } from '@adjoint/nn'
import { describe, expect, it } from 'vitest'
import { BertAttention, BertEmbeddings, BertEncoder, BertLMPredictionHead, BertLayer, BertModel, BertPooler, BertSelfAttention, bertConfig, initBertWeights } from '../../src/index.js'

const config = bertConfig({ vocabSize: 20, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 8, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 })
const ids = (rows: number[][]) => Tensor.fromArray(Int32Array.from(rows.flat()), [rows.length, rows[0].length], 'int32')
const input = ids([[2, 5, 7, 1], [3, 3, 9, 0]])

describe('BertEmbeddings', () => {
  it('LayerNorm(word + token type + position embeddings)', () => {
    manualSeed(0)
    const m = new BertEmbeddings(config)
    initBertWeights(m, config)
    const types = ids([[0, 0, 1, 1], [0, 1, 1, 1]])
    const got = noGrad(() => m.forward(input, types))
    expect(got.shape).toEqual([2, 4, 16])
    const pos = ids([[0, 1, 2, 3], [0, 1, 2, 3]])
    const want = noGrad(() => m.LayerNorm.forward(m.word_embeddings.forward(input).add(m.token_type_embeddings.forward(types)).add(m.position_embeddings.forward(pos))))
    assertClose(got, want)
    // token types default to 0, positions to 0..T-1
    assertClose(noGrad(() => m.forward(input)), noGrad(() => m.forward(input, ids([[0, 0, 0, 0], [0, 0, 0, 0]]), pos)))
  })

  it('refuses a sequence longer than maxPositionEmbeddings', () => {
    const m = new BertEmbeddings(config)
    expect(() => m.forward(ids([Array.from({ length: 9 }, () => 1)]))).toThrow(ShapeError)
    expect(() => m.forward(ids([Array.from({ length: 9 }, () => 1)]))).toThrow(/sequence of 9 tokens is longer than maxPositionEmbeddings 8/)
  })
})

describe('BertSelfAttention, BertAttention', () => {
  it('a masked-out key changes nothing; an attended one does', () => {
    manualSeed(1)
    const att = new BertSelfAttention(config)
    const x = randn([1, 4, 16])
    const keep = Tensor.fromArray(Uint8Array.from([1, 1, 1, 0]), [1, 1, 1, 4], 'bool')
    const data = Float32Array.from(x.contiguousData())
    for (let i = 3 * 16; i < 4 * 16; i++) data[i] += 2
    const x2 = Tensor.fromArray(data, [1, 4, 16], 'float32')
    const a = noGrad(() => att.forward(x, keep)).contiguousData(), b = noGrad(() => att.forward(x2, keep)).contiguousData()
    expect(Array.from(a.subarray(0, 48))).toEqual(Array.from(b.subarray(0, 48)))
    const c = noGrad(() => att.forward(x2, null)).contiguousData()
    let diff = 0
    for (let i = 0; i < 48; i++) diff = Math.max(diff, Math.abs(a[i] - c[i]))
    expect(diff).toBeGreaterThan(1e-4)
  })

  it('BertAttention is LayerNorm(dense(self-attention) + x)', () => {
    manualSeed(2)
    const att = new BertAttention(config)
    const x = randn([2, 3, 16])
    const want = noGrad(() => att.output.LayerNorm.forward(att.output.dense.forward(att.self.forward(x, null)).add(x)))
    assertClose(noGrad(() => att.forward(x, null)), want)
  })
})

describe('BertLayer, BertEncoder, BertPooler and BertModel', () => {
  it('the model is embeddings, then each layer in turn, then the pooler on [CLS]', () => {
    manualSeed(3)
    const model = new BertModel(config)
    model.eval()
    expect(model.encoder).toBeInstanceOf(BertEncoder)
    expect(model.encoder.layer.length).toBe(2)
    const layers = [...model.encoder.layer]
    expect(layers.every((l) => l instanceof BertLayer)).toBe(true)
    const out = noGrad(() => model.forward({ inputIds: input }))
    let h = noGrad(() => model.embeddings.forward(input))
    for (const l of layers) h = noGrad(() => l.forward(h, null))
    assertClose(out.lastHiddenState, h)
    const pooler = model.pooler as BertPooler
    expect(pooler).toBeInstanceOf(BertPooler)
    const cls = noGrad(() => pooler.dense.forward(h.narrow(1, 0, 1).squeeze(1)).tanh())
    expect(out.poolerOutput!.shape).toEqual([2, 16])
    assertClose(out.poolerOutput!, cls)
    expect(new BertModel(config, { addPoolingLayer: false }).pooler).toBeNull()
  })
})

describe('BertLMPredictionHead', () => {
  it('decodes with the word embeddings it is tied to, without owning them', () => {
    manualSeed(4)
    const emb = new Embedding(20, 16)
    const head = new BertLMPredictionHead(config, emb)
    expect(head.decoderWeight).toBe(emb.weight)
    expect(Object.keys(head.stateDict())).not.toContain('decoderWeight')
    expect(head.parameters()).not.toContain(emb.weight)
    noGrad(() => head.bias.fill_(0.5))
    const h = randn([2, 3, 16])
    const logits = noGrad(() => head.forward(h))
    expect(logits.shape).toEqual([2, 3, 20])
    const want = noGrad(() => head.transform.forward(h).matmul(emb.weight.transpose(0, 1)).add(0.5))
    assertClose(logits, want, { atol: 1e-5, rtol: 1e-5 })
  })
})

describe('initBertWeights', () => {
  it("HF's scheme: N(0, initializerRange) weights, zero biases, unit LayerNorms, a zero padding row", () => {
    const m = new BertModel({ ...config, initializerRange: 0.5 })
    noGrad(() => { for (const p of m.parameters()) p.fill_(3) })
    manualSeed(5)
    initBertWeights(m, { ...config, initializerRange: 0.5 })
    const sd = m.stateDict()
    const w = sd['encoder.layer.0.intermediate.dense.weight'].contiguousData()
    let sq = 0
    for (const v of w) sq += v * v
    const rms = Math.sqrt(sq / w.length)
    expect(rms).toBeGreaterThan(0.45)
    expect(rms).toBeLessThan(0.55)
    expect(new Set(sd['encoder.layer.1.output.dense.bias'].contiguousData())).toEqual(new Set([0]))
    expect(new Set(sd['embeddings.LayerNorm.weight'].contiguousData())).toEqual(new Set([1]))
    const words = sd['embeddings.word_embeddings.weight']
    expect(new Set(words.narrow(0, config.padTokenId, 1).contiguousData())).toEqual(new Set([0]))
    expect(new Set(words.narrow(0, 1, 1).contiguousData()).size).toBeGreaterThan(1)
  })
})
