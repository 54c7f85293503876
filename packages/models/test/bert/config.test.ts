import { describe, expect, it } from 'vitest'
import { BERT_DEFAULTS, ConfigError, bertConfig, bertConfigFromHF } from '../../src/index.js'

describe('BERT config defaults', () => {
  it("are bert-base-uncased's", () => {
    expect(BERT_DEFAULTS).toMatchObject({ vocabSize: 30522, hiddenSize: 768, numHiddenLayers: 12, numAttentionHeads: 12, intermediateSize: 3072, maxPositionEmbeddings: 512, layerNormEps: 1e-12, hiddenAct: 'gelu' })
    expect(bertConfig()).toEqual(BERT_DEFAULTS)
  })

  it('fill what a config.json leaves out, and undefined overrides do not clear them', () => {
    expect(bertConfigFromHF({ model_type: 'bert', hidden_size: 64, num_attention_heads: 4 })).toEqual({ ...BERT_DEFAULTS, hiddenSize: 64, numAttentionHeads: 4 })
    expect(bertConfig({ hiddenSize: undefined, vocabSize: 100 })).toEqual({ ...BERT_DEFAULTS, vocabSize: 100 })
  })

  it('are checked together with the overrides', () => {
    expect(() => bertConfig({ numAttentionHeads: 5 })).toThrow(ConfigError)
    expect(() => bertConfig({ numAttentionHeads: 5 })).toThrow(/hiddenSize 768 must be divisible by numAttentionHeads 5/)
    expect(() => bertConfig({ vocabSize: 10, padTokenId: 10 })).toThrow(/padTokenId 10 is not an id of the vocabulary of 10/)
  })
})
