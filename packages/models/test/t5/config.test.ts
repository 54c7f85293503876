import { describe, expect, it } from 'vitest'
import { ConfigError, T5_DEFAULTS, t5Config, t5ConfigFromHF } from '../../src/index.js'

describe('T5 config defaults', () => {
  it("are t5-small's", () => {
    expect(T5_DEFAULTS).toMatchObject({ vocabSize: 32128, dModel: 512, dKv: 64, dFf: 2048, numLayers: 6, numDecoderLayers: 6, numHeads: 8, relativeAttentionNumBuckets: 32, relativeAttentionMaxDistance: 128, feedForwardProj: 'relu', padTokenId: 0, eosTokenId: 1, decoderStartTokenId: 0 })
    expect(t5Config()).toEqual(T5_DEFAULTS)
  })

  it('fill what a config.json leaves out; the decoder depth follows the encoder unless given', () => {
    expect(t5ConfigFromHF({ model_type: 't5', num_layers: 2 })).toEqual({ ...T5_DEFAULTS, numLayers: 2, numDecoderLayers: 2 })
    expect(t5ConfigFromHF({ num_layers: 2, num_decoder_layers: 3 })).toMatchObject({ numLayers: 2, numDecoderLayers: 3 })
  })

  it('are checked together with the overrides', () => {
    expect(() => t5Config({ vocabSize: 1 })).toThrow(ConfigError)
    expect(() => t5Config({ vocabSize: 1 })).toThrow(/eosTokenId 1 is not an id of the vocabulary of 1/)
    expect(() => t5Config({ feedForwardProj: 'swish' as 'relu' })).toThrow(/feedForwardProj must be 'relu' or 'gated-gelu', got "swish"/)
  })
})
