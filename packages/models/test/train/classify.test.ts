// Helpers of the classifiers (train/classify.ts): padding a batch, the majority baseline.
import { Generator, Tensor, ValueError, manualSeed } from '@adjoint/core'
import { Module } from '@adjoint/nn'
import { describe, expect, it } from 'vitest'
import { GPTForSequenceClassification, evaluateClassifier, finetuneClassifier, majorityBaseline, padBatch, type LabeledSet, type SequenceClassifier } from '../../src/index.js'

describe('padBatch', () => {
  it('right-pads sequences to the longest with the pad id, as int32 [B, T]', () => {
    const t = padBatch([Int32Array.of(5, 6, 7), Int32Array.of(8), Int32Array.of()], 0)
    expect([t.dtype, t.shape]).toEqual(['int32', [3, 3]])
    expect(t.toList()).toEqual([5, 6, 7, 8, 0, 0, 0, 0, 0])
  })
})

describe('majorityBaseline', () => {
  it('the most frequent training label (the smaller on a tie) and its accuracy on the eval labels', () => {
    expect(majorityBaseline([2, 1, 2, 0], [2, 2, 1, 0])).toEqual({ label: 2, accuracy: 0.5 })
    expect(majorityBaseline([3, 1, 1, 3], [1, 3, 3])).toEqual({ label: 1, accuracy: 1 / 3 })
    expect(majorityBaseline([4], [])).toEqual({ label: 4, accuracy: 0 })
  })
})

/** Predicts class (first token) % 3; records what it was called with. */
class FirstTokenClassifier extends Module implements SequenceClassifier {
  readonly numLabels = 3
  readonly padTokenId = 9
  calls: { shape: number[]; rows: number[]; lengths: number[]; training: boolean }[] = []
  forward(idx: Tensor, _labels?: Tensor | null, lengths: readonly number[] = []) {
    const [B, T] = idx.shape
    const d = idx.contiguousData()
    this.calls.push({ shape: [B, T], rows: Array.from(d), lengths: [...lengths], training: this.training })
    const logits = new Float32Array(B * 3)
    for (let b = 0; b < B; b++) logits[b * 3 + (d[b * T] % 3)] = 1
    return { logits: Tensor.fromArray(logits, [B, 3], 'float32'), loss: null }
  }
}

describe('evaluateClassifier', () => {
  it('predicts in padded batches in eval mode, then scores accuracy, balanced accuracy and per-class counts', () => {
    const clf = new FirstTokenClassifier()
    clf.train()
    // predictions: 0, 1, 2, 0, 1 ; labels: 0, 1, 1, 1, 1
    const set = { ids: [Int32Array.of(3, 4), Int32Array.of(1), Int32Array.of(5, 5, 5), Int32Array.of(6), Int32Array.of(4, 1)], labels: Int32Array.of(0, 1, 1, 1, 1) }
    const e = evaluateClassifier(clf, set, 2)
    expect(Array.from(e.predictions)).toEqual([0, 1, 2, 0, 1])
    expect(e.accuracy).toBeCloseTo(3 / 5, 12)
    expect(e.perClass).toEqual([{ correct: 1, total: 1 }, { correct: 2, total: 4 }, { correct: 0, total: 0 }])
    // the mean recall over the classes present: (1 + 0.5) / 2
    expect(e.balancedAccuracy).toBeCloseTo(0.75, 12)
    expect(clf.calls.map((c) => c.shape)).toEqual([[2, 2], [2, 3], [1, 2]])
    expect(clf.calls[0].rows).toEqual([3, 4, 1, 9])
    expect(clf.calls[1].lengths).toEqual([3, 1])
    expect(clf.calls.every((c) => !c.training)).toBe(true)
    expect(clf.training).toBe(true)
  })
})

describe('finetuneClassifier', () => {
  // label = last token % 2: what a GPT classifier (reading the last token) can learn in a few steps
  const batch = (gen: Generator, n: number): LabeledSet => {
    const ids = Array.from({ length: n }, () => Int32Array.from({ length: 1 + gen.int(0, 3) }, () => gen.int(0, 4)))
    return { ids, labels: Int32Array.from(ids, (r) => r[r.length - 1] % 2) }
  }
  const heldOut = batch(new Generator(99), 64)
  const model = () => {
    manualSeed(0)
    return new GPTForSequenceClassification({ vocabSize: 4, blockSize: 4, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0 }, 2)
  }

  it('trains the classifier to fit the task, on warmup then a cosine decay to lr/10, evaluating as asked', async () => {
    const clf = model()
    const before = evaluateClassifier(clf, heldOut).accuracy
    const lrs: number[] = [], losses: number[] = [], evals: number[] = []
    const r = await finetuneClassifier(clf, { steps: 40, batchSize: 16, lr: 1e-2, seed: 1, batch, evalInterval: 20, evaluate: (d) => evals.push(d), onStep: (_d, s) => { lrs.push(s.lr); losses.push(s.loss) } })
    expect(r).toEqual({ step: 40, interrupted: false })
    expect(evals).toEqual([0, 20, 40])
    expect(lrs).toHaveLength(40)
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1e-2 + 1e-12)
    expect(lrs[0]).toBeLessThan(lrs[4])
    expect(lrs[39]).toBeLessThan(2e-3)
    expect(lrs[39]).toBeGreaterThanOrEqual(1e-3 - 1e-12)
    expect(losses.every(Number.isFinite)).toBe(true)
    expect(losses.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(losses.slice(0, 5).reduce((a, b) => a + b) / 5)
    const after = evaluateClassifier(clf, heldOut).accuracy
    expect(after).toBeGreaterThan(0.95)
    expect(after).toBeGreaterThan(before)
  })

  it('stops when asked, and refuses a classifier with nothing to train', async () => {
    const clf = model()
    let n = 0
    expect(await finetuneClassifier(clf, { steps: 40, batchSize: 4, lr: 1e-3, seed: 1, batch, shouldStop: () => ++n > 3 })).toMatchObject({ interrupted: true })
    clf.requiresGrad_(false)
    await expect(finetuneClassifier(clf, { steps: 1, batchSize: 4, lr: 1e-3, seed: 1, batch })).rejects.toThrow(ValueError)
    await expect(finetuneClassifier(clf, { steps: 1, batchSize: 4, lr: 1e-3, seed: 1, batch })).rejects.toThrow(/no parameter requires grad/)
  })
})
