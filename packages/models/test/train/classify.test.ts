// Helpers of the classifiers (train/classify.ts): padding a batch, the majority baseline.
import { Tensor } from '@adjoint/core'
import { Module } from '@adjoint/nn'
import { describe, expect, it } from 'vitest'
import { evaluateClassifier, majorityBaseline, padBatch, type SequenceClassifier } from '../../src/index.js'

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
