// A tokenizer as Hugging Face files and back. A byte-level BPE is written as
// vocab.json + merges.txt (GPT2Tokenizer), tokenizer.json (the fast
// tokenizers) and tokenizer_config.json naming its special tokens. A char-level
// tokenizer has no Hugging Face equivalent: its vocabulary is written as
// adjoint_tokenizer.json (one character per id, in id order), with a note.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { VocabularyError } from '../errors.js'
import { BPETokenizer, CharTokenizer, tokenizerFromJSON, type Tokenizer } from '../tokenizers/index.js'

export const ADJOINT_TOKENIZER_FILE = 'adjoint_tokenizer.json'

/** transformers' names for the special tokens adjoint's tokenizers use. */
const ROLES: Record<string, string[]> = {
  '<|endoftext|>': ['bos_token', 'eos_token', 'unk_token'],
  '[PAD]': ['pad_token'], '[UNK]': ['unk_token'], '[CLS]': ['cls_token'], '[SEP]': ['sep_token'], '[MASK]': ['mask_token'],
  '<pad>': ['pad_token'], '</s>': ['eos_token'], '<unk>': ['unk_token'], '<s>': ['bos_token'], '<mask>': ['mask_token'],
}

export interface TokenizerFiles {
  files: Record<string, string>
  /** What could not be written as Hugging Face has it (shown to the user). */
  notes: string[]
}

/** The files of a tokenizer; maxLength: the model's context (tokenizer_config's model_max_length). */
export function tokenizerToHuggingFace(tok: Tokenizer, maxLength: number): TokenizerFiles {
  if (tok instanceof CharTokenizer) {
    return {
      files: { [ADJOINT_TOKENIZER_FILE]: tok.serialize() },
      notes: [`the char-level tokenizer has no Hugging Face equivalent: its ${tok.chars.length} characters are in ${ADJOINT_TOKENIZER_FILE} ("chars", id = position; special tokens after them), for mapping text to ids by hand (see docs/huggingface.md); AutoTokenizer cannot load it`],
    }
  }
  if (!(tok instanceof BPETokenizer)) throw new VocabularyError(`Hugging Face export: a ${tok.type} tokenizer cannot be written`)
  const files: Record<string, string> = { ...tok.toHuggingFace() }
  const config: Record<string, unknown> = { tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: maxLength, add_prefix_space: false, clean_up_tokenization_spaces: false }
  for (const t of tok.special.tokens) for (const role of ROLES[t] ?? []) if (config[role] === undefined) config[role] = t
  const others = tok.special.tokens.filter((t) => !(t in ROLES))
  if (others.length > 0) config.additional_special_tokens = others
  files['tokenizer_config.json'] = JSON.stringify(config, null, 2) + '\n'
  return { files, notes: [] }
}

export interface FolderTokenizer {
  tokenizer: Tokenizer | null
  /** Why there is none (no files, or files adjoint cannot read). */
  problem?: string
}

/** The tokenizer of a Hugging Face folder: tokenizer.json, vocab.json + merges.txt, encoder.json + vocab.bpe, or adjoint_tokenizer.json. */
export function tokenizerFromFolder(dir: string): FolderTokenizer {
  const has = (f: string) => existsSync(join(dir, f))
  const read = (f: string) => readFileSync(join(dir, f), 'utf8')
  const attempt = (what: string, make: () => Tokenizer): FolderTokenizer => {
    try {
      return { tokenizer: make() }
    } catch (e) {
      return { tokenizer: null, problem: `${join(dir, what)}: ${(e as Error).message}` }
    }
  }
  if (has('tokenizer.json')) return attempt('tokenizer.json', () => BPETokenizer.fromHuggingFace({ tokenizerJson: read('tokenizer.json') }))
  if (has('vocab.json') && has('merges.txt')) return attempt('vocab.json', () => BPETokenizer.fromHuggingFace({ vocab: read('vocab.json'), merges: read('merges.txt') }))
  if (has('encoder.json') && has('vocab.bpe')) return attempt('encoder.json', () => BPETokenizer.fromHuggingFace({ vocab: read('encoder.json'), merges: read('vocab.bpe') }))
  if (has(ADJOINT_TOKENIZER_FILE)) return attempt(ADJOINT_TOKENIZER_FILE, () => tokenizerFromJSON(read(ADJOINT_TOKENIZER_FILE)))
  const other = ['vocab.txt', 'spiece.model', 'sentencepiece.bpe.model'].find(has)
  return { tokenizer: null, problem: other ? `${join(dir, other)}: a WordPiece / SentencePiece tokenizer, which adjoint does not read (it reads byte-level BPE: tokenizer.json, or vocab.json + merges.txt)` : `${dir} has no tokenizer files (tokenizer.json, or vocab.json + merges.txt)` }
}
