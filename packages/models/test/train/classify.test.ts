// Helpers of the classifiers (train/classify.ts): padding a batch, the majority baseline.
import { describe, expect, it } from 'vitest'
import { majorityBaseline, padBatch } from '../../src/index.js'

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
