// Special tokens, shared by every tokenizer: strings like [CLS] or <|endoftext|>
// that map to one id each, appended after the tokenizer's own vocabulary. A
// tokenizer finds them in text (longest first) before encoding the rest.
import { VocabularyError } from '../errors.js'

/** BERT's special tokens, in the order BERT uses them. */
export const BERT_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const
/** GPT-2's end-of-text token. */
export const END_OF_TEXT = '<|endoftext|>'

/** T5's sentinels <extra_id_0> .. <extra_id_{n-1}> (span-corruption masks). */
export function t5Sentinels(n = 100): string[] {
  if (!Number.isInteger(n) || n < 0) throw new VocabularyError(`t5Sentinels: n must be a non-negative integer, got ${n}`)
  return Array.from({ length: n }, (_, i) => `<extra_id_${i}>`)
}

/** Whitespace a special token absorbs on its left (lstrip) or right (rstrip), as Hugging Face's added tokens can (RoBERTa's <mask>). */
export interface SpecialStrip {
  lstrip?: boolean
  rstrip?: boolean
}

const WHITE = /\p{White_Space}/u

/** One piece of text after splitting out special tokens: plain text, or a special token's id. */
export type Piece = string | number

export class SpecialTokens {
  private readonly ids = new Map<string, number>()
  private readonly byLength: string[]
  private readonly firstChars: Set<string>

  private readonly byId = new Map<number, string>()

  /** tokens get ids base, base + 1, ... in order, or the ids given one per token (a Hugging Face vocabulary puts them anywhere). */
  constructor(readonly tokens: readonly string[], base: number | readonly number[], readonly strip: Readonly<Record<string, SpecialStrip>> = {}) {
    if (typeof base !== 'number' && base.length !== tokens.length) throw new VocabularyError(`special tokens: ${tokens.length} tokens but ${base.length} ids`)
    tokens.forEach((t, i) => {
      if (typeof t !== 'string' || t.length === 0) throw new VocabularyError(`special tokens must be non-empty strings, got ${JSON.stringify(t)}`)
      if (this.ids.has(t)) throw new VocabularyError(`special token ${JSON.stringify(t)} is listed twice`)
      const id = typeof base === 'number' ? base + i : base[i]
      if (!Number.isInteger(id) || id < 0) throw new VocabularyError(`special token ${JSON.stringify(t)}: id must be a non-negative integer, got ${id}`)
      if (this.byId.has(id)) throw new VocabularyError(`special tokens ${JSON.stringify(this.byId.get(id))} and ${JSON.stringify(t)} have the same id ${id}`)
      this.ids.set(t, id)
      this.byId.set(id, t)
    })
    this.byLength = [...tokens].sort((a, b) => b.length - a.length)
    this.firstChars = new Set(tokens.map((t) => t[0]))
  }

  get size(): number {
    return this.tokens.length
  }

  /** The id of a special token, or undefined. */
  id(token: string): number | undefined {
    return this.ids.get(token)
  }

  /** The special token with this id, or undefined. */
  token(id: number): string | undefined {
    return this.byId.get(id)
  }

  /** The ids, in the order of `tokens`. */
  get idList(): number[] {
    return this.tokens.map((t) => this.ids.get(t)!)
  }

  /** One more than the largest id (0 without special tokens). */
  get end(): number {
    let m = 0
    for (const id of this.byId.keys()) m = Math.max(m, id + 1)
    return m
  }

  /** Splits text into plain pieces and special-token ids, matching the longest token first. */
  split(text: string): Piece[] {
    if (this.tokens.length === 0 || text.length === 0) return text.length === 0 ? [] : [text]
    const out: Piece[] = []
    let plainStart = 0
    let i = 0
    while (i < text.length) {
      const match = this.firstChars.has(text[i]) ? this.byLength.find((t) => text.startsWith(t, i)) : undefined
      if (match === undefined) { i++; continue }
      let end = i
      if (this.strip[match]?.lstrip) while (end > plainStart && WHITE.test(text[end - 1])) end--
      if (end > plainStart) out.push(text.slice(plainStart, end))
      out.push(this.ids.get(match)!)
      i += match.length
      if (this.strip[match]?.rstrip) while (i < text.length && WHITE.test(text[i])) i++
      plainStart = i
    }
    if (plainStart < text.length) out.push(text.slice(plainStart))
    return out
  }
}
