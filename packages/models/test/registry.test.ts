// The model-kind registry (registry.ts, hf/kinds.ts) and the public constants
// the CLI and its docs rely on.
import { Linear } from '@adjoint/nn'
import { describe, expect, it } from 'vitest'
import {
  BERT_SAMPLE_DEFAULTS, BROWN_3_GENRES, BROWN_GENRES, BertForMaskedLM, DEFAULT_BERT_PROMPT, DEFAULT_T5_PROMPT, END_OF_TEXT,
  FINETUNABLE_KINDS, GPT, GPT_SAMPLE_DEFAULTS, HUGGING_FACE_KINDS, MODEL_KINDS, MODEL_KIND_NAMES, T5ForConditionalGeneration,
  T5_NUM_SENTINELS, T5_SAMPLE_DEFAULTS, T5_SPECIAL_TOKENS, isPresetName, kindOfModel, modelKind, savedT5Classifier, t5Backbone,
} from '../src/index.js'

describe('model kinds', () => {
  it('gpt, bert and t5, each of which can be fine-tuned', () => {
    expect(MODEL_KIND_NAMES).toEqual(['gpt', 'bert', 't5'])
    expect(FINETUNABLE_KINDS).toEqual(['gpt', 'bert', 't5'])
    expect(MODEL_KINDS.t5).toMatchObject({ backbone: t5Backbone, savedClassifier: savedT5Classifier })
    for (const k of MODEL_KIND_NAMES) expect(modelKind(k)).toBe(MODEL_KINDS[k])
    expect(modelKind('bert').kind).toBe('bert')
  })

  it('an unknown kind is a CheckpointError naming the known ones', () => {
    expect(() => modelKind('rnn')).toThrow(/unknown model kind "rnn" \(expected one of gpt, bert, t5\)/)
    expect(() => modelKind('toString')).toThrow(/unknown model kind/)
  })

  it('sample defaults', () => {
    expect(MODEL_KINDS.gpt.sampleDefaults).toBe(GPT_SAMPLE_DEFAULTS)
    expect(GPT_SAMPLE_DEFAULTS).toMatchObject({ tokens: 300, temperature: 0.8 })
    expect(BERT_SAMPLE_DEFAULTS.temperature).toBe(0)
    expect(T5_SAMPLE_DEFAULTS.temperature).toBe(0)
    expect(DEFAULT_BERT_PROMPT.match(/\[MASK\]/g)).toHaveLength(2)
    expect(DEFAULT_T5_PROMPT.match(/<extra_id_\d>/g)).toEqual(['<extra_id_0>', '<extra_id_1>'])
  })
})

describe('Hugging Face kinds', () => {
  it('kindOfModel picks the kind owning the model class; other modules are refused', () => {
    expect(HUGGING_FACE_KINDS.map((k) => [k.kind, k.modelType])).toEqual([['gpt', 'gpt2'], ['bert', 'bert'], ['t5', 't5']])
    expect(kindOfModel(new GPT({ nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 8, vocabSize: 11 })).kind).toBe('gpt')
    expect(kindOfModel(new BertForMaskedLM({ vocabSize: 11, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 8 })).kind).toBe('bert')
    expect(kindOfModel(new T5ForConditionalGeneration({ vocabSize: 11, dModel: 8, dKv: 4, dFf: 16, numLayers: 1, numHeads: 2 })).kind).toBe('t5')
    expect(() => kindOfModel(new Linear(2, 2))).toThrow(/a Linear cannot be exported \(supported: GPT, BertForMaskedLM, T5ForConditionalGeneration\)/)
  })
})

describe('constants', () => {
  it('GPT presets by name', () => {
    expect(['tiny', 'small', 'reference'].every(isPresetName)).toBe(true)
    expect(isPresetName('huge')).toBe(false)
    expect(isPresetName('constructor')).toBe(false)
  })

  it('the Brown corpus has 15 genres; the 3-genre task uses three of them', () => {
    expect(Object.keys(BROWN_GENRES)).toHaveLength(15)
    expect(BROWN_GENRES.a).toBe('press: reportage')
    expect(BROWN_3_GENRES).toHaveLength(3)
    for (const g of BROWN_3_GENRES) expect(BROWN_GENRES).toHaveProperty(g)
  })

  it('special tokens', () => {
    expect(END_OF_TEXT).toBe('<|endoftext|>')
    expect(T5_NUM_SENTINELS).toBe(32)
    expect(T5_SPECIAL_TOKENS.slice(0, 4)).toEqual(['<pad>', '</s>', '<unk>', '<extra_id_0>'])
    expect(T5_SPECIAL_TOKENS).toHaveLength(3 + T5_NUM_SENTINELS)
    expect(T5_SPECIAL_TOKENS.at(-1)).toBe('<extra_id_31>')
  })
})
