// gptBackbone and savedGptClassifier (gpt/finetune.ts): a GPT run as the start of
// a classifier, and a fine-tuned classifier read back.
import { manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { CharTokenizer, CheckpointError, GPT, GPTForSequenceClassification, gptBackbone, openRun, saveRunCheckpoint, savedGptClassifier, type RunMeta } from '../../src/index.js'
import { tempDir } from '../helpers.js'

const cfg = { vocabSize: 6, blockSize: 12, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0 }
const meta = (kind: string, extra: Partial<RunMeta> = {}): RunMeta => ({ format: 'adjoint-run', version: 1, kind, model: cfg, train: {}, step: 3, data: { source: 'brown' }, ...extra })
const tok = CharTokenizer.fromText('abcdef')

function savedRun(kind: string, model: GPT | GPTForSequenceClassification, extra: Partial<RunMeta> = {}) {
  const dir = tempDir()
  saveRunCheckpoint(dir, meta(kind, extra), tok, { model })
  return openRun(dir)
}

describe('gptBackbone', () => {
  manualSeed(0)
  const gpt = new GPT(cfg)
  const run = savedRun('gpt', gpt)
  const b = gptBackbone(run)

  it('describes a decoder classifier: last tokens kept, the block size as longest passage', () => {
    expect(b).toMatchObject({ kind: 'gpt-classifier', name: 'GPT', maxBlock: 12, truncate: 'last', frozenPart: 'decoder' })
    expect(b.prepare).toBeUndefined()
  })

  it('builds a classifier on the pretrained decoder, or on a fresh one, with a head per label', () => {
    const clf = b.classifier(['x', 'y', 'z'], { probe: false, pretrained: true }) as GPTForSequenceClassification
    expect(clf.numLabels).toBe(3)
    expect(clf.transformer.wte.weight.toArray()).toEqual(gpt.transformer.wte.weight.toArray())
    expect(clf.transformer.h.get(0).mlp.c_fc.weight.toArray()).toEqual(gpt.transformer.h.get(0).mlp.c_fc.weight.toArray())
    expect(clf.transformer.parameters().every((p) => p.requiresGrad)).toBe(true)
    const fresh = b.classifier(['x', 'y'], { probe: false, pretrained: false }) as GPTForSequenceClassification
    expect(fresh.numLabels).toBe(2)
    expect(fresh.transformer.wte.weight.toArray()).not.toEqual(gpt.transformer.wte.weight.toArray())
    expect(b.config(fresh)).toEqual(cfg)
  })

  it('a probe trains only the head', () => {
    const clf = b.classifier(['x', 'y'], { probe: true, pretrained: true }) as GPTForSequenceClassification
    expect(clf.transformer.parameters().some((p) => p.requiresGrad)).toBe(false)
    expect(clf.score.weight.requiresGrad).toBe(true)
  })

  it('refuses a checkpoint of another kind', () => {
    expect(() => gptBackbone(savedRun('gpt-classifier', new GPTForSequenceClassification(cfg, 2)))).toThrow(CheckpointError)
  })
})

describe('savedGptClassifier', () => {
  it('reads back a fine-tuned classifier with its labels, keeping the last tokens of a long text', () => {
    manualSeed(1)
    const clf = new GPTForSequenceClassification(cfg, 3)
    const run = savedRun('gpt-classifier', clf, { labels: ['news', 'learned', 'romance'] })
    const saved = savedGptClassifier(run)
    expect(saved.truncate).toBe('last')
    const back = saved.clf as GPTForSequenceClassification
    expect(back.numLabels).toBe(3)
    expect(back.score.weight.toArray()).toEqual(clf.score.weight.toArray())
    expect(back.transformer.wpe.weight.toArray()).toEqual(clf.transformer.wpe.weight.toArray())
    expect(() => savedGptClassifier(savedRun('gpt', new GPT(cfg)))).toThrow(/holds a "gpt" model, not a "gpt-classifier" one/)
  })
})
