import { Tensor, manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { GPT, GPTForSequenceClassification } from '../../src/index.js'

const cfg = { vocabSize: 20, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 }
const ids = (rows: number[][]) => Tensor.fromArray(Int32Array.from(rows.flat()), [rows.length, rows[0].length], 'int32')

describe('GPTForSequenceClassification', () => {
  it("reads each row's last non-padding token", () => {
    const clf = new GPTForSequenceClassification(cfg, 3, { padTokenId: 0 })
    expect(clf.lastTokenIndex(ids([[5, 6, 7, 0], [5, 0, 0, 0], [5, 6, 7, 8]]))).toEqual([2, 0, 3])
    const noPad = new GPTForSequenceClassification(cfg, 3)
    expect(noPad.lastTokenIndex(ids([[5, 0, 0]]))).toEqual([2])
  })

  it('padding after the last token does not change the logits (causal attention)', () => {
    manualSeed(0)
    const clf = new GPTForSequenceClassification(cfg, 3, { padTokenId: 0 }).eval()
    const a = clf.forward(ids([[5, 6, 7]])).logits.toArray()
    const b = clf.forward(ids([[5, 6, 7, 0, 0]])).logits.toArray() as number[][]
    ;(a as number[][])[0].forEach((v, i) => expect(b[0][i]).toBeCloseTo(v, 5))
  })

  it('with lengths, the head reads position lengths[b] - 1 whatever the padding value (a real token id included)', () => {
    manualSeed(0)
    const clf = new GPTForSequenceClassification(cfg, 3).eval()
    const alone = clf.forward(ids([[5, 6, 7]])).logits.toArray() as number[][]
    const batch = clf.forward(ids([[5, 6, 7, 7, 7], [9, 8, 7, 6, 5]]), null, [3, 5]).logits.toArray() as number[][]
    alone[0].forEach((v, i) => expect(batch[0][i]).toBeCloseTo(v, 5))
    expect(() => clf.forward(ids([[5, 6]]), null, [3])).toThrow(/lengths must be 1 integers in \[1, 2\], got \[3\]/)
  })

  it('starts from a pretrained GPT, and trains everything or only the head (linear probe)', () => {
    manualSeed(1)
    const gpt = new GPT(cfg)
    const clf = GPTForSequenceClassification.fromPretrained(gpt, 4)
    expect(clf.transformer.wte.weight.toArray()).toEqual(gpt.transformer.wte.weight.toArray())
    expect(Object.keys(clf.stateDict())).toContain('score.weight')
    const { loss } = clf.forward(ids([[1, 2, 3], [4, 5, 6]]), Tensor.fromArray(Int32Array.from([0, 3]), [2], 'int32'))
    loss!.backward()
    expect(clf.transformer.h.get(0).attn.c_attn.weight.grad).not.toBeNull()
    clf.zeroGrad()
    clf.freezeBackbone()
    expect(clf.numParameters({ trainableOnly: true })).toBe(4 * 8)
    clf.forward(ids([[1, 2, 3]]), Tensor.fromArray(Int32Array.from([1]), [1], 'int32')).loss!.backward()
    expect(clf.score.weight.grad).not.toBeNull()
    expect(clf.transformer.h.get(0).attn.c_attn.weight.grad).toBeNull()
  })
})
