import { describe, expect, it } from 'vitest'
import { configFieldsFromHF, configToHF } from '../../src/index.js'

describe('config fields as Hugging Face config.json fields', () => {
  it('writes every field snake_cased after the header', () => {
    const hf = configToHF({ hiddenSize: 32, numHiddenLayers: 2, vocabSize: 100 }, { model_type: 'bert', architectures: ['BertForMaskedLM'] })
    expect(hf).toEqual({ model_type: 'bert', architectures: ['BertForMaskedLM'], hidden_size: 32, num_hidden_layers: 2, vocab_size: 100 })
    expect(Object.keys(hf).slice(0, 2)).toEqual(['model_type', 'architectures'])
  })

  it('reads back only the fields the defaults know, camelCased', () => {
    const defaults = { hiddenSize: 768, numHiddenLayers: 12, vocabSize: 30522 }
    const fields = configFieldsFromHF({ model_type: 'bert', hidden_size: 64, vocab_size: 500, torch_dtype: 'float32' }, defaults)
    expect(fields).toEqual({ hiddenSize: 64, vocabSize: 500 })
  })

  it('round-trips a config', () => {
    const config = { dModel: 16, numHeads: 4, feedForwardProj: 'relu', tieWordEmbeddings: true }
    expect(configFieldsFromHF(configToHF(config, { model_type: 't5' }), config)).toEqual(config)
  })
})
