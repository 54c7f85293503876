import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ADJOINT_TOKENIZER_FILE, BPETokenizer, CharTokenizer, Tokenizer, VocabularyError, tokenizerFromFolder, tokenizerToHuggingFace, writeFolderAtomic } from '../../src/index.js'

const root = mkdtempSync(join(tmpdir(), 'adjoint-tokfiles-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const corpus = 'the cat sat on the mat. the cat ate the rat. '.repeat(20)

describe('tokenizer files for Hugging Face', () => {
  it('writes a byte-level BPE as vocab/merges/tokenizer.json with its special tokens named', () => {
    const tok = BPETokenizer.train(corpus, { vocabSize: 270, specialTokens: ['<|endoftext|>', '<extra>'] })
    const { files, notes } = tokenizerToHuggingFace(tok, 64)
    expect(notes).toEqual([])
    expect(Object.keys(files).sort()).toEqual(['merges.txt', 'tokenizer.json', 'tokenizer_config.json', 'vocab.json'])
    const config = JSON.parse(files['tokenizer_config.json']) as Record<string, unknown>
    expect(config.model_max_length).toBe(64)
    expect(config.eos_token).toBe('<|endoftext|>')
    expect(config.bos_token).toBe('<|endoftext|>')
    expect(config.additional_special_tokens).toEqual(['<extra>'])
  })

  it('reads back the same tokenizer from the folder (tokenizer.json, then vocab.json + merges.txt)', () => {
    const tok = BPETokenizer.train(corpus, { vocabSize: 270, specialTokens: ['<|endoftext|>'] })
    const { files } = tokenizerToHuggingFace(tok, 64)
    const text = 'the rat sat on the cat<|endoftext|>'
    const full = join(root, 'bpe-full')
    writeFolderAtomic(full, files)
    const a = tokenizerFromFolder(full)
    expect(a.problem).toBeUndefined()
    expect(a.tokenizer).toBeInstanceOf(Tokenizer)
    expect(a.tokenizer!.encode(text)).toEqual(tok.encode(text))
    const pair = join(root, 'bpe-pair')
    writeFolderAtomic(pair, { 'vocab.json': files['vocab.json'], 'merges.txt': files['merges.txt'] })
    const b = tokenizerFromFolder(pair)
    expect(b.tokenizer!.encode('the rat sat')).toEqual(tok.encode('the rat sat'))
  })

  it('writes a char tokenizer as adjoint_tokenizer.json with a note, and reads it back', () => {
    const tok = CharTokenizer.fromText('hello world')
    const { files, notes } = tokenizerToHuggingFace(tok, 32)
    expect(Object.keys(files)).toEqual([ADJOINT_TOKENIZER_FILE])
    expect(ADJOINT_TOKENIZER_FILE).toBe('adjoint_tokenizer.json')
    expect(notes).toHaveLength(1)
    expect(notes[0]).toMatch(/no Hugging Face equivalent/)
    const dir = join(root, 'char')
    writeFolderAtomic(dir, files)
    const back = tokenizerFromFolder(dir).tokenizer!
    expect(back).toBeInstanceOf(CharTokenizer)
    expect(back.decode(back.encode('hello'))).toBe('hello')
    expect(back.encode('hello world')).toEqual(tok.encode('hello world'))
  })

  it('names the problem when a folder has no readable tokenizer', () => {
    const none = join(root, 'none')
    writeFolderAtomic(none, { 'config.json': '{}' })
    expect(tokenizerFromFolder(none)).toEqual({ tokenizer: null, problem: `${none} has no tokenizer files (tokenizer.json, or vocab.json + merges.txt)` })
    const wordpiece = join(root, 'wordpiece')
    writeFolderAtomic(wordpiece, { 'vocab.txt': '[PAD]\n' })
    expect(tokenizerFromFolder(wordpiece).problem).toMatch(/vocab\.txt: a WordPiece \/ SentencePiece tokenizer/)
    const broken = join(root, 'broken')
    writeFolderAtomic(broken, { 'tokenizer.json': '{not json' })
    const r = tokenizerFromFolder(broken)
    expect(r.tokenizer).toBeNull()
    expect(r.problem).toContain(join(broken, 'tokenizer.json'))
  })

  it('refuses a tokenizer type it cannot write', () => {
    class Other extends Tokenizer {
      readonly type = 'other'
      constructor() { super(1, []) }
      protected encodeOrdinary(): number[] { return [] }
      protected decodeOrdinary(): string { return '' }
      toJSON() { return { type: 'other', version: 1, specialTokens: [] } }
    }
    expect(() => tokenizerToHuggingFace(new Other(), 8)).toThrow(VocabularyError)
    expect(() => tokenizerToHuggingFace(new Other(), 8)).toThrow(/a other tokenizer cannot be written/)
  })
})
