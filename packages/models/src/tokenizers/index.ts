// Tokenizers: char-level and byte-level BPE, sharing special tokens and JSON I/O.
import { VocabularyError } from '../errors.js'
import { BPETokenizer } from './bpe.js'
import { CharTokenizer } from './char.js'
import type { Tokenizer, TokenizerJSON } from './tokenizer.js'

export { Tokenizer, type TokenizerJSON, type EncodeOptions } from './tokenizer.js'
export { CharTokenizer, type CharTokenizerOptions } from './char.js'
export { BPETokenizer, type BPEOptions, type BPETrainOptions, type BPEMerge, type BPEVocabulary } from './bpe.js'
export { GPT2_PATTERN, pythonPatternToJS } from './pretokenize.js'
export { BYTE_CHARS, bytesToByteLevel, byteLevelToBytes } from './byte-alphabet.js'
export type { HuggingFaceFiles, HuggingFaceTokenizerFiles } from './huggingface.js'
export { SpecialTokens, BERT_SPECIAL_TOKENS, END_OF_TEXT, t5Sentinels, type Piece, type SpecialStrip } from './special.js'
export { encodeWtf8, decodeWtf8 } from './wtf8.js'

/** Rebuilds a tokenizer from its toJSON() / tokenizer.json form (an object or its JSON text). */
export function tokenizerFromJSON(json: TokenizerJSON | string): Tokenizer {
  let obj: unknown = json
  if (typeof json === 'string') {
    try { obj = JSON.parse(json) } catch (e) { throw new VocabularyError(`tokenizer: not valid JSON (${(e as Error).message})`) }
  }
  if (obj === null || typeof obj !== 'object') throw new VocabularyError('tokenizer: expected a JSON object')
  const o = obj as TokenizerJSON
  if (!Array.isArray(o.specialTokens)) o.specialTokens = []
  switch (o.type) {
    case 'char': return CharTokenizer.fromJSON(o)
    case 'bpe': return BPETokenizer.fromJSON(o)
    default: throw new VocabularyError(`tokenizer: unknown type ${JSON.stringify(o.type)} (expected "char" or "bpe")`)
  }
}
