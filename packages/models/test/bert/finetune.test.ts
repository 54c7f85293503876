// bertBackbone and savedBertClassifier (bert/finetune.ts): a BERT masked-LM run
// as the start of a classifier, and a fine-tuned classifier read back.
import { manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { BERT_SPECIAL_TOKENS, BertForMaskedLM, BertForSequenceClassification, CharTokenizer, CheckpointError, bertBackbone, openRun, saveRunCheckpoint, savedBertClassifier, type RunMeta } from '../../src/index.js'
import { tempDir } from '../helpers.js'

const tok = CharTokenizer.fromText('abcdef', { specialTokens: [...BERT_SPECIAL_TOKENS] })
const cfg = { vocabSize: tok.vocabSize, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 10, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 }

function savedRun(kind: string, model: BertForMaskedLM | BertForSequenceClassification, modelConfig: Record<string, unknown> = cfg, extra: Partial<RunMeta> = {}) {
  const dir = tempDir()
  saveRunCheckpoint(dir, { format: 'adjoint-run', version: 1, kind, model: modelConfig, train: {}, step: 3, data: { source: 'brown' }, ...extra }, tok, { model })
  return openRun(dir)
}

describe('bertBackbone', () => {
  manualSeed(0)
  const mlm = new BertForMaskedLM(cfg)
  const b = bertBackbone(savedRun('bert', mlm))

  it('describes an encoder classifier: first tokens kept, room for [CLS] and [SEP], its own default lr', () => {
    expect(b).toMatchObject({ kind: 'bert-classifier', name: 'BERT', maxBlock: 8, truncate: 'first', frozenPart: 'encoder', defaultLr: 2e-3 })
  })

  it('frames passages as [CLS] passage [SEP]', () => {
    const framed = b.prepare!({ ids: [Int32Array.of(0, 1, 2), Int32Array.of(5)], labels: Int32Array.of(1, 0) })
    const cls = tok.specialId('[CLS]'), sep = tok.specialId('[SEP]')
    expect(framed.ids.map((r) => Array.from(r))).toEqual([[cls, 0, 1, 2, sep], [cls, 5, sep]])
    expect(Array.from(framed.labels)).toEqual([1, 0])
  })

  it('builds a classifier on the pretrained encoder (or a fresh one); a probe freezes the encoder only', () => {
    const clf = b.classifier(['x', 'y', 'z'], { probe: false, pretrained: true }) as BertForSequenceClassification
    expect(clf.numLabels).toBe(3)
    expect(clf.bert.embeddings.word_embeddings.weight.toArray()).toEqual(mlm.bert.embeddings.word_embeddings.weight.toArray())
    const fresh = b.classifier(['x', 'y'], { probe: false, pretrained: false }) as BertForSequenceClassification
    expect(fresh.bert.embeddings.word_embeddings.weight.toArray()).not.toEqual(mlm.bert.embeddings.word_embeddings.weight.toArray())
    expect(b.config(fresh)).toMatchObject({ ...cfg, numLabels: 2 })
    const probe = b.classifier(['x', 'y'], { probe: true, pretrained: true }) as BertForSequenceClassification
    expect(probe.bert.encoder.parameters().some((p) => p.requiresGrad)).toBe(false)
    expect(probe.bert.embeddings.parameters().some((p) => p.requiresGrad)).toBe(false)
    expect(probe.classifier.weight.requiresGrad).toBe(true)
  })

  it('refuses a checkpoint of another kind with a CheckpointError naming both kinds', () => {
    const clf = new BertForSequenceClassification({ ...cfg, numLabels: 2 })
    const backbone = () => bertBackbone(savedRun('bert-classifier', clf, { ...clf.config }, { labels: ['a', 'b'] }))
    expect(backbone).toThrow(CheckpointError)
    expect(backbone).toThrow(/holds a "bert-classifier" model, not a "bert" one/)
  })
})

describe('savedBertClassifier', () => {
  it('reads back a fine-tuned classifier with its framing', () => {
    manualSeed(1)
    const clf = new BertForSequenceClassification({ ...cfg, numLabels: 3 })
    const run = savedRun('bert-classifier', clf, { ...clf.config }, { labels: ['a', 'b', 'c'] })
    const saved = savedBertClassifier(run)
    expect(saved.truncate).toBe('first')
    const back = saved.clf as BertForSequenceClassification
    expect(back.numLabels).toBe(3)
    expect(back.classifier.weight.toArray()).toEqual(clf.classifier.weight.toArray())
    expect(Array.from(saved.prepare!({ ids: [Int32Array.of(4)], labels: Int32Array.of(0) }).ids[0])).toEqual([tok.specialId('[CLS]'), 4, tok.specialId('[SEP]')])
    expect(() => savedBertClassifier(savedRun('bert', new BertForMaskedLM(cfg)))).toThrow(/holds a "bert" model, not a "bert-classifier" one/)
  })
})
