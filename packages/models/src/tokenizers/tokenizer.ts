// What every tokenizer offers, and the part they share: special tokens are
// split out of the text first, the rest goes to the tokenizer's own encoder.
import { compactTokenIds, type TokenIds } from '@adjoint/nn'
import { VocabularyError } from '../errors.js'
import { SpecialTokens, type SpecialStrip } from './special.js'

export interface EncodeOptions {
  /** Recognize special tokens written in the text, like "[CLS]" (default true); false encodes them as plain text. */
  allowSpecial?: boolean
}

export interface TokenizerJSON {
  type: string
  version: number
  specialTokens: string[]
  [key: string]: unknown
}

export abstract class Tokenizer {
  abstract readonly type: string
  readonly special: SpecialTokens

  /**
   * baseVocabSize: ids of the tokenizer's own vocabulary; the special tokens
   * follow it, unless specialIds places them (a Hugging Face vocabulary may put
   * them anywhere, e.g. RoBERTa's <s> is 0).
   */
  protected constructor(readonly baseVocabSize: number, specialTokens: readonly string[], specialIds?: readonly number[], specialStrip?: Readonly<Record<string, SpecialStrip>>) {
    this.special = new SpecialTokens(specialTokens, specialIds ?? baseVocabSize, specialStrip)
  }

  /** Ids of the text without special tokens. */
  protected abstract encodeOrdinary(text: string): number[]
  /** Text of a run of ordinary ids. */
  protected abstract decodeOrdinary(ids: readonly number[]): string
  abstract toJSON(): TokenizerJSON

  get vocabSize(): number {
    return Math.max(this.baseVocabSize, this.special.end)
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new VocabularyError(`${this.type} tokenizer: encode expects a string, got ${text === null ? 'null' : typeof text}`)
    if (opts.allowSpecial === false) return this.encodeOrdinary(text)
    const out: number[] = []
    for (const piece of this.special.split(text)) {
      if (typeof piece === 'number') out.push(piece)
      else for (const id of this.encodeOrdinary(piece)) out.push(id)
    }
    return out
  }

  /** encode() into an Int32Array. */
  encodeToInt32(text: string, opts: EncodeOptions = {}): Int32Array {
    return Int32Array.from(this.encode(text, opts))
  }

  /** encode() into the smallest array that holds the vocabulary's ids (what training streams are kept as). */
  encodeToIds(text: string, opts: EncodeOptions = {}): TokenIds {
    return compactTokenIds(this.encodeToInt32(text, opts))
  }

  decode(ids: ArrayLike<number>): string {
    let text = ''
    let run: number[] = []
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new VocabularyError(`${this.type} tokenizer: id ${id} is out of range for a vocabulary of ${this.vocabSize}`)
      const sp = this.special.token(id)
      if (sp === undefined) { run.push(id); continue }
      if (run.length > 0) { text += this.decodeOrdinary(run); run = [] }
      text += sp
    }
    if (run.length > 0) text += this.decodeOrdinary(run)
    return text
  }

  /** The id of a special token; throws if this tokenizer does not have it. */
  specialId(token: string): number {
    const id = this.special.id(token)
    if (id === undefined) throw new VocabularyError(`${this.type} tokenizer has no special token ${JSON.stringify(token)} (it has: ${this.special.tokens.map((t) => JSON.stringify(t)).join(', ') || 'none'})`)
    return id
  }

  /** The string form saved as tokenizer.json. */
  serialize(): string {
    return JSON.stringify(this.toJSON())
  }
}
