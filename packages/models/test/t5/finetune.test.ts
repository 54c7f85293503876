// t5Backbone and savedT5Classifier (t5/finetune.ts): the checkpoint's kind is checked first.
import { manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { CharTokenizer, CheckpointError, T5ForConditionalGeneration, T5_SPECIAL_TOKENS, openRun, saveRunCheckpoint, savedT5Classifier, t5Backbone } from '../../src/index.js'
import { tempDir } from '../helpers.js'

const tok = CharTokenizer.fromText('abcdef', { specialTokens: [...T5_SPECIAL_TOKENS] })
const cfg = { vocabSize: tok.vocabSize, dModel: 16, dKv: 4, dFf: 32, numLayers: 1, numHeads: 4, dropoutRate: 0, padTokenId: tok.specialId('<pad>'), eosTokenId: tok.specialId('</s>'), decoderStartTokenId: tok.specialId('<pad>') }

function savedRun(kind: string) {
  manualSeed(0)
  const dir = tempDir()
  saveRunCheckpoint(dir, { format: 'adjoint-run', version: 1, kind, model: cfg, train: { blockSize: 16 }, step: 3, data: { source: 'brown' }, labels: ['a', 'b'] }, tok, { model: new T5ForConditionalGeneration(cfg) })
  return openRun(dir)
}

describe('t5Backbone', () => {
  it('describes a text-to-text classifier on a t5 checkpoint', () => {
    expect(t5Backbone(savedRun('t5'))).toMatchObject({ kind: 't5-classifier', name: 'T5', maxBlock: 16, truncate: 'first', frozenPart: 'encoder' })
  })

  it('refuses a checkpoint of another kind with a CheckpointError naming both kinds', () => {
    const backbone = () => t5Backbone(savedRun('t5-classifier'))
    expect(backbone).toThrow(CheckpointError)
    expect(backbone).toThrow(/holds a "t5-classifier" model, not a "t5" one/)
  })
})

describe('savedT5Classifier', () => {
  it('refuses a pretrained t5 checkpoint (not a classifier)', () => {
    expect(() => savedT5Classifier(savedRun('t5'))).toThrow(/holds a "t5" model, not a "t5-classifier" one/)
  })
})
