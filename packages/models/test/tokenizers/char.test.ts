import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BERT_SPECIAL_TOKENS, CharTokenizer, VocabularyError, tokenizerFromJSON } from '../../src/index.js'

const corpus = 'The jury said the election was conducted. The jury praised the city! It\'s 1961, and they\'ll vote again.\n'.repeat(20)

describe('CharTokenizer', () => {
  const tok = CharTokenizer.fromText(corpus)

  it('has one id per distinct character, sorted', () => {
    expect(tok.vocabSize).toBe(new Set(corpus).size)
    expect(tok.encode(' ')).toEqual([tok.chars.indexOf(' ')])
    expect([...tok.chars]).toEqual([...tok.chars].sort())
  })

  it('round-trips any string over its vocabulary', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...tok.chars)).map((a) => a.join('')), (s) => {
      expect(tok.decode(tok.encode(s))).toBe(s)
    }), { seed: 17 })
  })

  it('encodes straight into an Int32Array, with the same ids and errors', () => {
    expect([...tok.encodeToInt32(corpus.slice(0, 200))]).toEqual(tok.encode(corpus.slice(0, 200)))
    expect(() => tok.encodeToInt32('héllo')).toThrow(/1 character is not in the vocabulary: "é"/)
    const withUnk = CharTokenizer.fromText('abc', { specialTokens: BERT_SPECIAL_TOKENS })
    expect([...withUnk.encodeToInt32('a?c', { allowSpecial: false })]).toEqual([0, withUnk.specialId('[UNK]'), 2])
  })

  it('encodes a training stream into 1 byte a character (2 past 256 characters), with the same ids', () => {
    const ids = tok.encodeToIds(corpus)
    expect(ids).toBeInstanceOf(Uint8Array)
    expect([...ids]).toEqual(tok.encode(corpus))
    const wide = CharTokenizer.fromText(Array.from({ length: 300 }, (_, i) => String.fromCharCode(0x100 + i)).join(''))
    const text = String.fromCharCode(0x100, 0x1ff, 0x22b)
    expect(wide.encodeToIds(text)).toBeInstanceOf(Uint16Array)
    expect([...wide.encodeToIds(text)]).toEqual(wide.encode(text))
    expect(() => tok.encodeToIds('héllo')).toThrow(/1 character is not in the vocabulary: "é"/)
    const withUnk = CharTokenizer.fromText('abc', { specialTokens: BERT_SPECIAL_TOKENS })
    expect([...withUnk.encodeToIds('a?c', { allowSpecial: false })]).toEqual([0, withUnk.specialId('[UNK]'), 2])
  })

  it('names the characters outside the vocabulary', () => {
    expect(() => tok.encode('héllo ü')).toThrow(VocabularyError)
    expect(() => tok.encode('héllo ü')).toThrow(/2 characters are not in the vocabulary: "é", "ü"/)
  })

  it('maps unknown characters to [UNK] when it has one', () => {
    const t = CharTokenizer.fromText('abc', { specialTokens: BERT_SPECIAL_TOKENS })
    expect(t.encode('a?c')).toEqual([0, t.specialId('[UNK]'), 2])
  })

  it('round-trips any code-point string with the code points in its vocabulary', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
      const t = CharTokenizer.fromText(s + 'x')
      expect(t.decode(t.encode(s))).toBe(s)
    }), { numRuns: 50, seed: 40 })
  })

  it('saves and loads as JSON', () => {
    const t = CharTokenizer.fromText(corpus, { specialTokens: ['[PAD]', '<|endoftext|>'] })
    const back = tokenizerFromJSON(t.serialize())
    expect(back).toBeInstanceOf(CharTokenizer)
    expect(back.vocabSize).toBe(t.vocabSize)
    expect(back.encode('The jury<|endoftext|>')).toEqual(t.encode('The jury<|endoftext|>'))
  })
})
