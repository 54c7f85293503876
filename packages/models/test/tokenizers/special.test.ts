import { describe, expect, it } from 'vitest'
import { BERT_SPECIAL_TOKENS, BPETokenizer, CharTokenizer, t5Sentinels, tokenizerFromJSON } from '../../src/index.js'

const corpus = 'The jury said the election was conducted. The jury praised the city! It\'s 1961, and they\'ll vote again.\n'.repeat(20)

describe('special tokens (shared by both tokenizers)', () => {
  const specials = [...BERT_SPECIAL_TOKENS, ...t5Sentinels(3)]
  for (const make of [
    () => CharTokenizer.fromText(corpus, { specialTokens: specials }),
    () => BPETokenizer.train(corpus, { vocabSize: 300, specialTokens: specials }),
  ]) {
    const tok = make()
    it(`${tok.type}: come after the base vocabulary, are found in text, and decode back`, () => {
      expect(tok.specialId('[PAD]')).toBe(tok.baseVocabSize)
      expect(tok.specialId('<extra_id_2>')).toBe(tok.vocabSize - 1)
      const ids = tok.encode('[CLS]The jury[SEP]<extra_id_0>')
      expect(ids[0]).toBe(tok.specialId('[CLS]'))
      expect(ids).toContain(tok.specialId('[SEP]'))
      expect(ids[ids.length - 1]).toBe(tok.specialId('<extra_id_0>'))
      expect(tok.decode(ids)).toBe('[CLS]The jury[SEP]<extra_id_0>')
      expect(tok.encode('[CLS]', { allowSpecial: false })).not.toContain(tok.specialId('[CLS]'))
      expect(() => tok.specialId('[NOPE]')).toThrow(/has no special token "\[NOPE\]"/)
      const back = tokenizerFromJSON(tok.serialize())
      expect(back.encode('[MASK]x')).toEqual(tok.encode('[MASK]x'))
    })
  }
})
