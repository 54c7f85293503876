// Hugging Face's byte-level BPE files, read and written (texts in, texts out:
// no file system here). vocab.json maps each token's byte-level string to its
// id; merges.txt lists the merges, one "left right" pair a line, rank order,
// after a "#version" line (OpenAI's encoder.json / vocab.bpe are the same two
// formats); tokenizer.json holds both plus the pre-tokenizer and added tokens.
import { VocabularyError } from '../errors.js'
import { bytesToByteLevel, byteLevelToBytes } from './byte-alphabet.js'
import { GPT2_PATTERN, isGPT2Pattern, pythonPatternToJS } from './pretokenize.js'
import type { BPEMerge, BPEOptions, BPEVocabulary } from './bpe-vocabulary.js'

/** What BPETokenizer.fromHuggingFace reads: the texts (or parsed objects) of the files. */
export type HuggingFaceTokenizerFiles =
  | { vocab: string | Record<string, number>; merges: string | readonly string[] }
  | { tokenizerJson: string | Record<string, unknown> }

/** What BPETokenizer.toHuggingFace writes: file name -> text. */
export interface HuggingFaceFiles {
  'vocab.json': string
  'merges.txt': string
  'tokenizer.json': string
}

export interface ParsedBPE {
  vocabulary: BPEVocabulary
  options: BPEOptions
}

const fail = (where: string, msg: string): never => { throw new VocabularyError(`${where}: ${msg}`) }

function parseJSON(text: string | Record<string, unknown>, where: string): Record<string, unknown> {
  if (typeof text !== 'string') return text
  try {
    const o = JSON.parse(text) as unknown
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return fail(where, 'expected a JSON object')
    return o as Record<string, unknown>
  } catch (e) {
    if (e instanceof VocabularyError) throw e
    return fail(where, `not valid JSON (${(e as Error).message})`)
  }
}

function checkVocab(raw: Record<string, unknown>, where: string): Map<string, number> {
  const vocab = new Map<string, number>()
  const seen = new Map<number, string>()
  for (const [tok, id] of Object.entries(raw)) {
    if (!Number.isInteger(id) || (id as number) < 0) fail(where, `the id of ${JSON.stringify(tok)} must be a non-negative integer, got ${JSON.stringify(id)}`)
    if (seen.has(id as number)) fail(where, `${JSON.stringify(seen.get(id as number))} and ${JSON.stringify(tok)} have the same id ${id}`)
    seen.set(id as number, tok)
    vocab.set(tok, id as number)
  }
  return vocab
}

function mergeLines(merges: string | readonly (string | readonly string[])[], where: string): [string, string][] {
  const lines = typeof merges === 'string' ? merges.split('\n') : merges
  const out: [string, string][] = []
  lines.forEach((line, i) => {
    if (Array.isArray(line)) {
      if (line.length !== 2 || line.some((t) => typeof t !== 'string')) fail(where, `merge ${i} must be two strings, got ${JSON.stringify(line)}`)
      out.push([line[0], line[1]])
      return
    }
    if (typeof line !== 'string') return fail(where, `merge ${i} must be a string "left right", got ${JSON.stringify(line)}`)
    const l = line.replace(/\r$/, '')
    if (l === '' || (i === 0 && l.startsWith('#version'))) return
    const parts = l.split(' ')
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') fail(where, `line ${i + 1} is not "left right": ${JSON.stringify(l)}`)
    out.push([parts[0], parts[1]])
  })
  return out
}

/**
 * The general vocabulary of a vocab + merges pair. Special tokens: `special`
 * (each must be in the vocabulary) or else every entry that is neither a byte
 * nor made by a merge.
 */
function buildVocabulary(vocab: Map<string, number>, merges: [string, string][], special: readonly string[] | undefined, where: string): ParsedBPE {
  const made = new Set<number>()
  const triples: BPEMerge[] = merges.map(([l, r], i) => {
    const ids = [l, r, l + r].map((t) => vocab.get(t))
    const missing = [l, r, l + r].find((_, k) => ids[k] === undefined)
    if (missing !== undefined) fail(where, `merge ${i} (${JSON.stringify(`${l} ${r}`)}) needs the token ${JSON.stringify(missing)}, which the vocabulary does not have`)
    made.add(ids[2]!)
    return [ids[0]!, ids[1]!, ids[2]!] as const
  })
  let specials: string[]
  if (special !== undefined) {
    for (const t of special) if (!vocab.has(t)) fail(where, `special token ${JSON.stringify(t)} is not in the vocabulary`)
    specials = [...special]
  } else {
    specials = [...vocab].filter(([t, id]) => !made.has(id) && [...t].length !== 1).map(([t]) => t)
  }
  const specialSet = new Set(specials)
  const tokens: (number[] | undefined)[] = []
  for (const [t, id] of vocab) {
    if (specialSet.has(t)) continue
    const bytes = byteLevelToBytes(t)
    if (bytes === undefined) fail(where, `${JSON.stringify(t)} (id ${id}) is not a byte-level token (characters outside GPT-2's byte alphabet) and not a special token`)
    tokens[id] = bytes
  }
  return { vocabulary: { tokens: Array.from(tokens), merges: triples }, options: { specialTokens: specials, specialIds: specials.map((t) => vocab.get(t)!) } }
}

/** vocab.json + merges.txt (or encoder.json + vocab.bpe). */
export function parseVocabAndMerges(vocab: string | Record<string, number>, merges: string | readonly string[], special?: readonly string[]): ParsedBPE {
  const v = checkVocab(parseJSON(vocab, 'vocab.json'), 'vocab.json')
  return buildVocabulary(v, mergeLines(merges, 'merges.txt'), special, 'vocab.json + merges.txt')
}

function expectField(o: Record<string, unknown>, field: string, ok: (v: unknown) => boolean, want: string, where: string): void {
  if (!ok(o[field])) fail(where, `${field} = ${JSON.stringify(o[field])} is not supported (expected ${want})`)
}
const absentOr = (...vals: unknown[]) => (v: unknown) => v === undefined || vals.includes(v)

/** The pre-tokenization pattern a tokenizer.json's pre_tokenizer stands for. */
function preTokenizerPattern(pre: unknown): string {
  const where = 'tokenizer.json pre_tokenizer'
  if (pre === null || typeof pre !== 'object') return fail(where, `${JSON.stringify(pre)} is not supported (expected ByteLevel, or a Sequence of a Split regex and ByteLevel)`)
  const p = pre as Record<string, unknown>
  const byteLevel = (b: Record<string, unknown>, regex: boolean) => {
    expectField(b, 'add_prefix_space', absentOr(false), 'false', `${where} ByteLevel`)
    expectField(b, 'use_regex', regex ? absentOr(true) : (v) => v === false, String(regex), `${where} ByteLevel`)
  }
  if (p.type === 'ByteLevel') { byteLevel(p, true); return GPT2_PATTERN }
  const steps = p.pretokenizers as Record<string, unknown>[] | undefined
  if (p.type === 'Sequence' && Array.isArray(steps) && steps.length === 2 && steps[0]?.type === 'Split' && steps[1]?.type === 'ByteLevel') {
    const split = steps[0]
    const re = (split.pattern as Record<string, unknown> | undefined)?.Regex
    if (typeof re !== 'string') fail(`${where} Split`, `pattern ${JSON.stringify(split.pattern)} is not supported (expected {"Regex": ...})`)
    expectField(split, 'behavior', absentOr('Isolated'), '"Isolated"', `${where} Split`)
    expectField(split, 'invert', absentOr(false), 'false', `${where} Split`)
    byteLevel(steps[1], false)
    return pythonPatternToJS(re as string, `${where} Split`)
  }
  return fail(where, `type ${JSON.stringify(p.type)} is not supported (expected ByteLevel, or a Sequence of a Split regex and ByteLevel)`)
}

/** tokenizer.json (a byte-level BPE). Its added tokens become special tokens. */
export function parseTokenizerJson(json: string | Record<string, unknown>): ParsedBPE {
  const where = 'tokenizer.json'
  const o = parseJSON(json, where)
  const model = o.model as Record<string, unknown> | undefined
  if (model === null || typeof model !== 'object') return fail(where, 'has no "model"')
  expectField(model, 'type', absentOr('BPE'), '"BPE" (a byte-level BPE)', `${where} model`)
  expectField(model, 'dropout', absentOr(null, 0), 'null', `${where} model`)
  expectField(model, 'continuing_subword_prefix', absentOr(null, ''), 'null or ""', `${where} model`)
  expectField(model, 'end_of_word_suffix', absentOr(null, ''), 'null or ""', `${where} model`)
  expectField(model, 'byte_fallback', absentOr(false), 'false', `${where} model`)
  expectField(model, 'ignore_merges', absentOr(false), 'false', `${where} model`)
  expectField(o, 'normalizer', absentOr(null), 'null (no normalization)', where)
  expectField(o, 'decoder', (v) => v === undefined || v === null || (v as Record<string, unknown>).type === 'ByteLevel', 'ByteLevel', where)
  const pattern = preTokenizerPattern(o.pre_tokenizer)
  if (model.vocab === null || typeof model.vocab !== 'object' || Array.isArray(model.vocab)) fail(`${where} model`, 'vocab must be an object of token -> id')
  if (!Array.isArray(model.merges)) fail(`${where} model`, 'merges must be a list')
  const vocab = checkVocab(model.vocab as Record<string, unknown>, `${where} model.vocab`)
  const added = (o.added_tokens ?? []) as { id: unknown; content: unknown; lstrip?: unknown; rstrip?: unknown }[]
  if (!Array.isArray(added)) fail(where, 'added_tokens must be a list')
  for (const a of added) {
    if (typeof a?.content !== 'string' || !Number.isInteger(a.id)) fail(where, `added token ${JSON.stringify(a)} needs a string content and an integer id`)
    const had = vocab.get(a.content as string)
    if (had !== undefined && had !== a.id) fail(where, `added token ${JSON.stringify(a.content)} has id ${a.id}, but the vocabulary gives it ${had}`)
    vocab.set(a.content as string, a.id as number)
  }
  const parsed = buildVocabulary(vocab, mergeLines(model.merges as string[], `${where} model.merges`), added.map((a) => a.content as string), where)
  parsed.options.pattern = pattern
  const strip = Object.fromEntries(added.filter((a) => a.lstrip === true || a.rstrip === true).map((a) => [a.content as string, { lstrip: a.lstrip === true, rstrip: a.rstrip === true }]))
  if (Object.keys(strip).length > 0) parsed.options.specialStrip = strip
  return parsed
}

/** A vocabulary's byte-level strings by id; special tokens as their text. Throws if two ids would get the same string. */
function tokenStrings(vocab: BPEVocabulary, opts: BPEOptions): Map<string, number> {
  const out = new Map<string, number>()
  const put = (s: string, id: number) => {
    const had = out.get(s)
    if (had !== undefined) fail('Hugging Face export', `ids ${had} and ${id} both stand for ${JSON.stringify(s)}, and a Hugging Face vocabulary maps each string to one id`)
    out.set(s, id)
  }
  vocab.tokens.forEach((t, id) => { if (t !== undefined) put(bytesToByteLevel(t), id) })
  ;(opts.specialTokens ?? []).forEach((t, i) => put(t, opts.specialIds![i]))
  return new Map([...out].sort((a, b) => a[1] - b[1]))
}

/** A JSON object text in the given key order (JavaScript objects put integer-like keys such as "0" first). */
const orderedObject = (entries: Iterable<[string, number]>) => `{${[...entries].map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`

/** vocab.json, merges.txt and tokenizer.json for a byte-level BPE. */
export function toHuggingFaceFiles(vocab: BPEVocabulary, opts: BPEOptions): HuggingFaceFiles {
  const strings = tokenStrings(vocab, opts)
  const str = (id: number) => bytesToByteLevel(vocab.tokens[id]!)
  const merges = vocab.merges.map(([a, b]) => `${str(a)} ${str(b)}`)
  const pattern = opts.pattern ?? GPT2_PATTERN
  const byteLevel = (regex: boolean) => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: regex })
  const pre = isGPT2Pattern(pattern) ? byteLevel(true) : { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false }, byteLevel(false)] }
  const tokenizer = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: (opts.specialTokens ?? []).map((content, i) => ({ id: opts.specialIds![i], content, single_word: false, lstrip: opts.specialStrip?.[content]?.lstrip ?? false, rstrip: opts.specialStrip?.[content]?.rstrip ?? false, normalized: false, special: true })),
    normalizer: null, pre_tokenizer: pre,
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab: '@VOCAB@', merges },
  }
  return {
    'vocab.json': orderedObject(strings) + '\n',
    'merges.txt': ['#version: 0.2', ...merges].join('\n') + '\n',
    'tokenizer.json': JSON.stringify(tokenizer).replace('"@VOCAB@"', () => orderedObject(strings)),
  }
}
