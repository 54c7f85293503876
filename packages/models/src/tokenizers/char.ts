// Character-level tokenizer (nanoGPT's shakespeare_char): one id per Unicode
// code point seen in the training text, sorted; special tokens after them.
import type { TokenIds } from '@adjoint/nn'
import { VocabularyError } from '../errors.js'
import { Tokenizer, type EncodeOptions, type TokenizerJSON } from './tokenizer.js'

export interface CharTokenizerOptions {
  specialTokens?: readonly string[]
}

export class CharTokenizer extends Tokenizer {
  readonly type = 'char'
  private readonly ids = new Map<string, number>()
  private readonly unk: number | undefined

  /** chars: the vocabulary, one code point each, in id order. */
  constructor(readonly chars: readonly string[], opts: CharTokenizerOptions = {}) {
    super(chars.length, opts.specialTokens ?? [])
    for (const c of chars) {
      if (typeof c !== 'string' || [...c].length !== 1) throw new VocabularyError(`char tokenizer: each vocabulary entry must be one character, got ${JSON.stringify(c)}`)
      if (this.ids.has(c)) throw new VocabularyError(`char tokenizer: character ${JSON.stringify(c)} is listed twice`)
      this.ids.set(c, this.ids.size)
    }
    this.unk = this.special.id('[UNK]')
  }

  /** The sorted set of code points of text. */
  static fromText(text: string, opts: CharTokenizerOptions = {}): CharTokenizer {
    const set = new Set<string>()
    for (const c of text) set.add(c)
    if (set.size === 0) throw new VocabularyError('char tokenizer: cannot build a vocabulary from empty text')
    return new CharTokenizer([...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!), opts)
  }

  static fromJSON(json: TokenizerJSON): CharTokenizer {
    if (json.type !== 'char' || !Array.isArray(json.chars)) throw new VocabularyError(`char tokenizer: expected {type: "char", chars: [...]}, got type ${JSON.stringify(json.type)}`)
    return new CharTokenizer(json.chars as string[], { specialTokens: json.specialTokens ?? [] })
  }

  /** The characters of text that are not in the vocabulary (each once, in order of appearance). */
  unknownChars(text: string): string[] {
    const out = new Set<string>()
    for (const c of text) if (!this.ids.has(c)) out.add(c)
    return [...out]
  }

  protected encodeOrdinary(text: string): number[] {
    const out: number[] = []
    for (const c of text) {
      const id = this.ids.get(c)
      if (id !== undefined) out.push(id)
      else if (this.unk !== undefined) out.push(this.unk)
      else {
        const bad = this.unknownChars(text)
        const shown = bad.slice(0, 10).map((ch) => JSON.stringify(ch)).join(', ')
        throw new VocabularyError(`char tokenizer: ${bad.length} character${bad.length > 1 ? 's are' : ' is'} not in the vocabulary: ${shown}${bad.length > 10 ? ', ...' : ''} (the vocabulary has the ${this.chars.length} characters of the training text)`)
      }
    }
    return out
  }

  /** Without special tokens in play, straight into an Int32Array (no intermediate array of numbers for a long text). */
  override encodeToInt32(text: string, opts: EncodeOptions = {}): Int32Array {
    if (opts.allowSpecial !== false && this.special.size > 0) return super.encodeToInt32(text, opts)
    return this.encodeInto(text, new Int32Array(text.length))
  }

  /** Straight into a Uint8Array (a vocabulary of up to 256) or Uint16Array: a long text costs 1 or 2 bytes a character. */
  override encodeToIds(text: string, opts: EncodeOptions = {}): TokenIds {
    if (opts.allowSpecial !== false && this.special.size > 0) return super.encodeToIds(text, opts)
    if (this.vocabSize > 0x10000) return this.encodeToInt32(text, opts)
    return this.encodeInto(text, this.vocabSize <= 0x100 ? new Uint8Array(text.length) : new Uint16Array(text.length))
  }

  private encodeInto<A extends TokenIds>(text: string, out: A): A {
    let n = 0
    for (const c of text) {
      const id = this.ids.get(c)
      if (id !== undefined) out[n++] = id
      else if (this.unk !== undefined) out[n++] = this.unk
      else this.encodeOrdinary(text) // throws the error naming the unknown characters
    }
    return (n === text.length ? out : out.slice(0, n)) as A
  }

  protected decodeOrdinary(ids: readonly number[]): string {
    let s = ''
    for (const id of ids) s += this.chars[id]
    return s
  }

  toJSON(): TokenizerJSON {
    return { type: 'char', version: 1, chars: [...this.chars], specialTokens: [...this.special.tokens] }
  }
}
