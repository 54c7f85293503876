import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BPETokenizer, tokenizerFromJSON } from '../../src/index.js'

const corpus = 'The jury said the election was conducted. The jury praised the city! It\'s 1961, and they\'ll vote again.\n'.repeat(20)

describe('BPETokenizer', () => {
  const tok = BPETokenizer.train(corpus, { vocabSize: 300 })

  it('learns merges that shorten the corpus', () => {
    expect(tok.vocabSize).toBeLessThanOrEqual(300)
    expect(tok.vocabSize).toBeGreaterThan(256)
    const ids = tok.encode(corpus)
    expect(ids.length).toBeLessThan(corpus.length / 2)
    expect(tok.decode(ids)).toBe(corpus)
  })

  it('training is deterministic', () => {
    expect(BPETokenizer.train(corpus, { vocabSize: 300 }).merges).toEqual(tok.merges)
  })

  it('merges the most frequent pair first', () => {
    const t = BPETokenizer.train('aaab aaab aaab', { vocabSize: 257 })
    // chunks "aaab", " aaab" x2: the pair (a, a) occurs 6 times, more than any other
    expect(t.merges).toEqual([[97, 97]])
  })

  it('round-trips any string, lone surrogates included (fast-check)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
      expect(tok.decode(tok.encode(s))).toBe(s)
    }), { numRuns: 300, seed: 29 })
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
      expect(tok.decode(tok.encode(s))).toBe(s)
    }), { numRuns: 300, seed: 32 })
  })

  it('saves and loads as JSON, giving the same ids', () => {
    const back = tokenizerFromJSON(JSON.parse(tok.serialize()))
    expect(back).toBeInstanceOf(BPETokenizer)
    expect(back.encode(corpus)).toEqual(tok.encode(corpus))
  })

  it('decodes bytes that are not valid UTF-8 to U+FFFD instead of throwing', () => {
    expect(tok.decode([0xff, 0x41])).toBe('\ufffdA')
  })
})
