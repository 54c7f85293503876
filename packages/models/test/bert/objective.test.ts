// fillMasks: the MLM head runs at the [MASK] positions only, and picks what a full forward would.
import { manualSeed, noGrad, Tensor } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { BertForMaskedLM } from '../../src/bert/heads.js'
import { bertSpecialIds, fillMasks } from '../../src/bert/objective.js'
import { BERT_SPECIAL_TOKENS, CharTokenizer } from '../../src/tokenizers/index.js'

describe('fillMasks', () => {
  it('fills each [MASK] with the most likely token of a full forward pass', () => {
    const tok = CharTokenizer.fromText('the jury said it did not hear', { specialTokens: [...BERT_SPECIAL_TOKENS] })
    manualSeed(2)
    const model = new BertForMaskedLM({ vocabSize: tok.vocabSize, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 32 })
    const text = 'the [MASK]ury said [MASK]t'
    const r = fillMasks(model, tok, text)
    const s = bertSpecialIds(tok)
    const ids = tok.encode(text)
    const input = Tensor.fromArray(Int32Array.from([s.cls, ...ids, s.sep]), [1, ids.length + 2], 'int32')
    const logits = noGrad(() => model.eval().forward({ inputIds: input }).logits)
    const V = model.config.vocabSize, l = logits.contiguousData()
    const want = ids.map((id, i) => {
      if (id !== s.mask) return id
      let best = 0
      for (let v = 1; v < tok.baseVocabSize; v++) if (l[(i + 1) * V + v] > l[(i + 1) * V + best]) best = v
      return best
    })
    expect(ids.filter((id) => id === s.mask)).toHaveLength(2)
    expect(r.filled).toBe(tok.decode(want))
    expect(r.masked).toBe(tok.decode(ids))
  })
})
