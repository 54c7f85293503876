// BertModel and its heads: shapes, HF parameter names, padding masks, the tied
// decoder, freezing, errors, an overfit run and a float64 gradcheck.
import { Tensor, gradcheck, manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { bertConfig, bertConfigFromHF, bertConfigToHF } from '../src/bert/config.js'
import { BertForMaskedLM, BertForSequenceClassification } from '../src/bert/heads.js'
import { BertModel } from '../src/bert/model.js'
import { ConfigError } from '../src/errors.js'
import { overfit } from './overfit.js'
import { leavesOf, withSwapped } from './swap.js'

const ids = (rows: number[][]) => Tensor.fromArray(Int32Array.from(rows.flat()), [rows.length, rows[0].length], 'int32')
const small = { vocabSize: 30, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 16, numLabels: 3 }

describe('BertModel', () => {
  it('has the shapes and the parameter names of HF\'s BERT', () => {
    manualSeed(0)
    const m = new BertModel(small)
    const out = m.forward({ inputIds: ids([[2, 5, 6, 3], [2, 7, 3, 0]]) })
    expect(out.lastHiddenState.shape).toEqual([2, 4, 16])
    expect(out.poolerOutput!.shape).toEqual([2, 16])
    const names = m.namedParameters().map(([n]) => n)
    expect(names).toContain('embeddings.word_embeddings.weight')
    expect(names).toContain('embeddings.token_type_embeddings.weight')
    expect(names).toContain('embeddings.LayerNorm.bias')
    expect(names).toContain('encoder.layer.0.attention.self.query.weight')
    expect(names).toContain('encoder.layer.1.attention.output.LayerNorm.weight')
    expect(names).toContain('encoder.layer.1.intermediate.dense.weight')
    expect(names).toContain('encoder.layer.1.output.dense.bias')
    expect(names).toContain('pooler.dense.weight')
    expect(names.length).toBe(5 + 16 * 2 + 2)
  })

  it('ignores padding: changing padded tokens changes no output at real tokens', () => {
    manualSeed(1)
    const m = new BertModel(small).eval()
    const mask = ids([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    const a = m.forward({ inputIds: ids([[2, 5, 6, 7, 3], [2, 8, 3, 0, 0]]), attentionMask: mask })
    const b = m.forward({ inputIds: ids([[2, 5, 6, 7, 3], [2, 8, 3, 17, 22]]), attentionMask: mask, tokenTypeIds: ids([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]]) })
    expect(a.lastHiddenState.narrow(1, 0, 3).toList()).toEqual(b.lastHiddenState.narrow(1, 0, 3).toList())
    expect(a.poolerOutput!.toList()).toEqual(b.poolerOutput!.toList())
    // and without the mask the padded tokens do matter
    const c = m.forward({ inputIds: ids([[2, 5, 6, 7, 3], [2, 8, 3, 17, 22]]) })
    expect(c.poolerOutput!.toList()).not.toEqual(a.poolerOutput!.toList())
  })

  it('checks configs and inputs with clear errors', () => {
    expect(() => bertConfig({ vocabSize: 10, hiddenSize: 10, numAttentionHeads: 3 })).toThrow(/divisible/)
    expect(() => bertConfig({ vocabSize: 10 }, 'huge')).toThrow(ConfigError)
    expect(() => bertConfig({ vocabSize: 10, hiddenDropoutProb: 1.5 })).toThrow(/hiddenDropoutProb/)
    const m = new BertModel(small)
    expect(() => m.forward({ inputIds: ids([[2, 99]]) })).toThrow(/out of range/)
    expect(() => m.forward({ inputIds: Tensor.fromArray(new Int32Array(20), [1, 20], 'int32') })).toThrow(/maxPositionEmbeddings/)
    expect(() => m.forward({ inputIds: ids([[2, 3]]), attentionMask: ids([[1, 1, 1]]) })).toThrow(/attentionMask/)
    expect(() => m.forward({ inputIds: ids([[2, 3]]), attentionMask: ids([[0, 0]]) })).toThrow(/no real token/)
    const hf = bertConfigToHF(bertConfig(small))
    expect(hf.hidden_size).toBe(16)
    expect(bertConfigFromHF(hf)).toEqual(bertConfig(small))
  })
})

describe('BertForMaskedLM', () => {
  it('ties the decoder to the word embeddings (one parameter, listed once)', () => {
    const m = new BertForMaskedLM(small)
    expect(m.cls.predictions.decoderWeight).toBe(m.bert.embeddings.word_embeddings.weight)
    const names = m.namedParameters().map(([n]) => n)
    expect(names).toContain('cls.predictions.bias')
    expect(names).toContain('cls.predictions.transform.LayerNorm.weight')
    expect(names.filter((n) => n.includes('decoder'))).toEqual([])
    expect(names.some((n) => n.startsWith('bert.pooler'))).toBe(false)
    // still tied after a dtype change
    m.double()
    expect(m.cls.predictions.decoderWeight).toBe(m.bert.embeddings.word_embeddings.weight)
    expect(m.cls.predictions.decoderWeight.dtype).toBe('float64')
  })

  it('computes the loss only where labels are set', () => {
    manualSeed(2)
    const m = new BertForMaskedLM(small).eval()
    const input = ids([[2, 4, 29, 6, 3]])
    const out = m.forward({ inputIds: input, labels: ids([[-100, -100, 8, -100, -100]]) })
    expect(out.logits.shape).toEqual([1, 5, 30])
    const lp = out.logits.narrow(1, 2, 1).reshape([30]).logSoftmax(0).toList()
    expect(out.loss!.item()).toBeCloseTo(-lp[8], 5)
  })

  it('overfits one batch (loss near zero)', () => {
    manualSeed(3)
    const m = new BertForMaskedLM({ ...small, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 })
    const input = ids([[2, 29, 6, 7, 29, 3], [2, 11, 29, 13, 3, 0]])
    const labels = ids([[-100, 5, -100, -100, 8, -100], [-100, -100, 12, -100, -100, -100]])
    const mask = ids([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]])
    const { first, last } = overfit(m.parameters(), { lr: 1e-2, steps: 50 }, () => m.forward({ inputIds: input, attentionMask: mask, labels }).loss!)
    expect(first).toBeGreaterThan(2)
    expect(last).toBeLessThan(0.05)
  })

  it('passes gradcheck in float64 (a few parameters through the whole model)', () => {
    manualSeed(4)
    const m = new BertForMaskedLM({ vocabSize: 7, hiddenSize: 4, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 6, maxPositionEmbeddings: 4, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 }).double()
    const input = ids([[2, 4, 5], [2, 6, 0]])
    const mask = ids([[1, 1, 1], [1, 1, 0]])
    const labels = ids([[-100, 1, 3], [-100, 5, -100]])
    const q = m.bert.encoder.layer.get(0).attention.self.query
    const ln = m.bert.embeddings.LayerNorm
    const head = m.cls.predictions.transform.dense
    // gradcheck perturbs its inputs: put them in place of the parameters for the call
    const slots = [[q, 'weight'], [ln, 'weight'], [head, 'bias'], [m.cls.predictions, 'bias']] as const
    const leaves = leavesOf(slots)
    const wrapped = (...xs: Tensor[]) => withSwapped(slots, xs, () => m.forward({ inputIds: input, attentionMask: mask, labels }).loss!)
    expect(gradcheck(wrapped, leaves, { atol: 1e-6, rtol: 1e-4 })).toBe(true)
  })
})

describe('BertForSequenceClassification', () => {
  it('classifies the pooled [CLS] state; a frozen encoder gets no gradient', () => {
    manualSeed(5)
    const m = new BertForSequenceClassification(small, { freezeEncoder: true })
    const out = m.forward({ inputIds: ids([[2, 5, 3], [2, 6, 3]]), labels: ids([[0, 2]]).reshape([2]) })
    expect(out.logits.shape).toEqual([2, 3])
    out.loss!.backward()
    expect(m.bert.embeddings.word_embeddings.weight.grad).toBeNull()
    expect(m.bert.encoder.layer.get(0).attention.self.query.weight.grad).toBeNull()
    expect(m.classifier.weight.grad).not.toBeNull()
    expect(m.bert.pooler!.dense.weight.grad).not.toBeNull()
    expect(m.numParameters({ trainableOnly: true })).toBe(16 * 16 + 16 + 16 * 3 + 3)
  })

  it('loads the encoder of a masked-LM checkpoint', () => {
    manualSeed(6)
    const mlm = new BertForMaskedLM(small)
    const clf = new BertForSequenceClassification(small)
    const loaded = clf.loadEncoder(mlm.stateDict())
    expect(loaded).toContain('bert.encoder.layer.0.attention.self.key.weight')
    expect(clf.bert.embeddings.word_embeddings.weight.toList()).toEqual(mlm.bert.embeddings.word_embeddings.weight.toList())
    expect(() => clf.loadEncoder({})).toThrow(/lacks/)
  })

  it('overfits one batch', () => {
    manualSeed(7)
    // a wider init than BERT's 0.02 makes the [CLS] states of different inputs differ more from the start
    const m = new BertForSequenceClassification({ ...small, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0, initializerRange: 0.2 })
    const input = ids([[2, 5, 6, 3], [2, 7, 8, 3], [2, 9, 3, 0]])
    const mask = ids([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 0]])
    const labels = Tensor.fromArray(Int32Array.from([0, 1, 2]), [3], 'int32')
    const { last } = overfit(m.parameters(), { lr: 1e-2, steps: 40 }, () => m.forward({ inputIds: input, attentionMask: mask, labels }).loss!)
    expect(last).toBeLessThan(0.02)
  })
})
