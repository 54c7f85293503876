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

/** One piece of text after splitting out special tokens: plain text, or a special token's id. */
export type Piece = string | number

export class SpecialTokens {
  private readonly ids = new Map<string, number>()
  private readonly byLength: string[]
  private readonly firstChars: Set<string>

  /** tokens get ids base, base + 1, ... in order. */
  constructor(readonly tokens: readonly string[], readonly base: number) {
    for (const t of tokens) {
      if (typeof t !== 'string' || t.length === 0) throw new VocabularyError(`special tokens must be non-empty strings, got ${JSON.stringify(t)}`)
      if (this.ids.has(t)) throw new VocabularyError(`special token ${JSON.stringify(t)} is listed twice`)
      this.ids.set(t, base + this.ids.size)
    }
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
    return id >= this.base && id < this.base + this.tokens.length ? this.tokens[id - this.base] : undefined
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
      if (i > plainStart) out.push(text.slice(plainStart, i))
      out.push(this.ids.get(match)!)
      i += match.length
      plainStart = i
    }
    if (plainStart < text.length) out.push(text.slice(plainStart))
    return out
  }
}
