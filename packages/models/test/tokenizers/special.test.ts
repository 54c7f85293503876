import { describe, expect, it } from 'vitest'
import { BERT_SPECIAL_TOKENS, BPETokenizer, CharTokenizer, SpecialTokens, t5Sentinels, tokenizerFromJSON } from '../../src/index.js'

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

describe('SpecialTokens', () => {
  it('ids from a base or given one by one; lookups both ways; text split longest token first', () => {
    const s = new SpecialTokens(['<a>', '<ab>', '[X]'], 10)
    expect([s.size, s.idList, s.end]).toEqual([3, [10, 11, 12], 13])
    expect([s.id('<ab>'), s.token(12), s.id('<b>'), s.token(9)]).toEqual([11, '[X]', undefined, undefined])
    expect(s.split('hi<ab>there[X]<a>')).toEqual(['hi', 11, 'there', 12, 10])
    expect(s.split('')).toEqual([])
    const placed = new SpecialTokens(['<pad>', '</s>'], [0, 7])
    expect([placed.idList, placed.end]).toEqual([[0, 7], 8])
  })

  it('refuses empty, repeated and clashing tokens and ids', () => {
    expect(() => new SpecialTokens([''], 0)).toThrow(/non-empty strings/)
    expect(() => new SpecialTokens(['<a>', '<a>'], 0)).toThrow(/"<a>" is listed twice/)
    expect(() => new SpecialTokens(['<a>', '<b>'], [3, 3])).toThrow(/"<a>" and "<b>" have the same id 3/)
    expect(() => new SpecialTokens(['<a>'], [1, 2])).toThrow(/1 tokens but 2 ids/)
    expect(() => new SpecialTokens(['<a>'], [-1])).toThrow(/id must be a non-negative integer, got -1/)
  })
})
