// The data of a byte-level BPE tokenizer, shared by bpe.ts (encoding,
// training) and huggingface.ts (Hugging Face's files), which import it, not each other.
import type { SpecialStrip } from './special.js'

export interface BPEOptions {
  specialTokens?: readonly string[]
  /** Ids of the special tokens, one per token (default: right after the ordinary vocabulary). */
  specialIds?: readonly number[]
  /** Whitespace special tokens absorb (Hugging Face's lstrip / rstrip of added tokens). */
  specialStrip?: Readonly<Record<string, SpecialStrip>>
  /** Pre-tokenization regex source (compiled with the 'gu' flags); default GPT-2's. */
  pattern?: string
}

/** One merge of a general vocabulary: the ids of the left and right tokens and of the token they make. */
export type BPEMerge = readonly [left: number, right: number, result: number]

/** A byte-level BPE vocabulary in its general form. */
export interface BPEVocabulary {
  /** tokens[id]: the bytes of ordinary token `id` (undefined: no ordinary token has this id). */
  tokens: readonly (readonly number[] | undefined)[]
  /** The merges, the one applied first (rank 0) first. */
  merges: readonly BPEMerge[]
}
