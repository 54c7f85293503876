import { Tensor, manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { T5ForConditionalGeneration, T5TextClassifier } from '../../src/index.js'

const cfg = { vocabSize: 24, dModel: 16, dKv: 8, dFf: 32, numLayers: 1, numHeads: 2, dropoutRate: 0 }
const int32 = (rows: number[][]) => Tensor.fromArray(Int32Array.from(rows.flat()), [rows.length, rows[0].length], 'int32')

describe('T5TextClassifier', () => {
  manualSeed(4)
  const t5 = new T5ForConditionalGeneration(cfg).eval()
  const labelIds = [[5, 6], [7], [8, 9, 10]]
  const clf = new T5TextClassifier(t5, labelIds).eval()
  const input = int32([[11, 12, 13, 14], [15, 16, 0, 0]])

  it("a class's logit is the log-probability of its label text and </s> (T5's own loss, summed)", () => {
    const { logits } = clf.forward(input, null, [4, 2])
    const got = logits.toArray() as number[][]
    labelIds.forEach((ids, k) => {
      const target = [...ids, t5.config.eosTokenId]
      const loss = t5.forward({ inputIds: input, attentionMask: int32([[1, 1, 1, 1], [1, 1, 0, 0]]), labels: int32([target, target]) }).loss!.item()
      // T5's loss is the mean over both rows' tokens; each row's sum is the logit
      expect(got[0][k] + got[1][k]).toBeCloseTo(-loss * 2 * target.length, 4)
      expect(Number.isFinite(got[0][k])).toBe(true)
    })
  })

  it("the loss is the true labels' text-to-text cross-entropy, and padding does not change the scores", () => {
    const { logits, loss } = clf.forward(input, Tensor.fromArray(Int32Array.from([2, 1]), [2], 'int32'), [4, 2])
    const s = logits.toArray() as number[][]
    expect(loss!.item()).toBeCloseTo(-(s[0][2] + s[1][1]) / (4 + 2), 5)
    const alone = clf.forward(int32([[15, 16]])).logits.toArray() as number[][]
    alone[0].forEach((v, k) => expect(s[1][k]).toBeCloseTo(v, 4))
  })
})
