// Byte-level BPE (GPT-2's scheme): text is split into chunks by a regex (words
// with their leading space, numbers, punctuation runs, whitespace), each chunk
// into bytes, then learned merges are applied, lowest rank first.
//
// A tokenizer trained here numbers its tokens simply: ids 0..255 are the raw
// byte values, merge i makes id 256 + i, special tokens follow the merges. A
// Hugging Face vocabulary (vocab.json + merges.txt, or tokenizer.json) numbers
// them its own way (GPT-2's byte tokens are permuted, RoBERTa's merges are not
// in id order, special tokens sit anywhere): the general form, BPEVocabulary,
// gives each id its bytes and each merge the id it makes, and encoding depends
// only on the merge ranks, never on how ids are ordered.
import { VocabularyError } from '../errors.js'
import { Tokenizer, type TokenizerJSON } from './tokenizer.js'
import { decodeWtf8, encodeWtf8 } from './wtf8.js'
import { bytesToByteLevel, byteLevelToBytesOrThrow } from './byte-alphabet.js'
import { GPT2_PATTERN } from './pretokenize.js'
import { parseTokenizerJson, parseVocabAndMerges, toHuggingFaceFiles, type HuggingFaceFiles, type HuggingFaceTokenizerFiles } from './huggingface.js'
import type { BPEMerge, BPEOptions, BPEVocabulary } from './bpe-vocabulary.js'
import type { SpecialStrip } from './special.js'

export type { BPEMerge, BPEOptions, BPEVocabulary }

export interface BPETrainOptions extends Omit<BPEOptions, 'specialIds'> {
  /** Total vocabulary, special tokens included: 256 bytes + merges + specials. */
  vocabSize: number
  /** Stop early when the best pair occurs fewer times than this (default 2). */
  minFrequency?: number
}

const KEY = 1 << 20 // pair key = a * KEY + b (ids stay below 2^20)
const pairKey = (a: number, b: number) => a * KEY + b
const sameBytes = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i])

export class BPETokenizer extends Tokenizer {
  readonly type = 'bpe'
  readonly pattern: string
  /** The merges as [left, right] ids, rank order. */
  readonly merges: readonly (readonly [number, number])[]
  private readonly regex: RegExp
  private readonly ranks = new Map<number, number>()
  private readonly results: Int32Array
  private readonly bytesOf: readonly (readonly number[] | undefined)[]
  /** byteIds[b]: the id of the one-byte token b (-1: none). */
  private readonly byteIds = new Int32Array(256).fill(-1)
  private readonly cache = new Map<string, number[]>()

  /** merges: adjoint's own numbering (merge i = [a, b] makes 256 + i); or a general BPEVocabulary. */
  constructor(model: readonly (readonly [number, number])[] | BPEVocabulary, opts: BPEOptions = {}) {
    const vocab = Array.isArray(model) ? adjointVocabulary(model as readonly (readonly [number, number])[]) : model as BPEVocabulary
    super(vocab.tokens.length, opts.specialTokens ?? [], opts.specialIds, opts.specialStrip)
    if (vocab.tokens.length >= KEY) throw new VocabularyError(`bpe tokenizer: ids must stay below ${KEY}, got a vocabulary of ${vocab.tokens.length}`)
    this.pattern = opts.pattern ?? GPT2_PATTERN
    try {
      this.regex = new RegExp(this.pattern, 'gu')
    } catch (e) {
      throw new VocabularyError(`bpe tokenizer: the pre-tokenization pattern is not a valid JavaScript regex (${(e as Error).message})`)
    }
    this.bytesOf = vocab.tokens
    vocab.tokens.forEach((bytes, id) => {
      if (bytes === undefined) return
      if (this.special.token(id) !== undefined) throw new VocabularyError(`bpe tokenizer: id ${id} is both an ordinary token and the special token ${JSON.stringify(this.special.token(id))}`)
      if (bytes.length === 1) {
        if (this.byteIds[bytes[0]] >= 0) throw new VocabularyError(`bpe tokenizer: ids ${this.byteIds[bytes[0]]} and ${id} both stand for the byte ${bytes[0]}`)
        this.byteIds[bytes[0]] = id
      }
    })
    this.results = new Int32Array(vocab.merges.length)
    this.merges = vocab.merges.map(([a, b, out], i) => {
      const [ba, bb, bo] = [a, b, out].map((id) => Number.isInteger(id) ? vocab.tokens[id] : undefined)
      if (ba === undefined || bb === undefined || bo === undefined) throw new VocabularyError(`bpe tokenizer: merge ${i} = [${a}, ${b}] -> ${out} refers to an id that is not an ordinary token`)
      if (!sameBytes(bo, [...ba, ...bb])) throw new VocabularyError(`bpe tokenizer: merge ${i} = [${a}, ${b}] -> ${out}: the bytes of ${out} are not those of ${a} followed by ${b}`)
      if (!this.ranks.has(pairKey(a, b))) this.ranks.set(pairKey(a, b), i)
      this.results[i] = out
      return [a, b] as const
    })
  }

  /** Learns merges from text until vocabSize (bytes + merges + special tokens) is reached. */
  static train(text: string, opts: BPETrainOptions): BPETokenizer {
    const special = opts.specialTokens ?? []
    const nMerges = opts.vocabSize - 256 - special.length
    if (!Number.isInteger(opts.vocabSize) || nMerges < 0) throw new VocabularyError(`bpe train: vocabSize must be an integer >= 256 + ${special.length} special tokens, got ${opts.vocabSize}`)
    const pattern = opts.pattern ?? GPT2_PATTERN
    const counts = new Map<string, number>()
    for (const [chunk] of text.matchAll(new RegExp(pattern, 'gu'))) counts.set(chunk, (counts.get(chunk) ?? 0) + 1)
    const merges = learnMerges([...counts].map(([w, c]) => [encodeWtf8(w), c]), nMerges, opts.minFrequency ?? 2)
    return new BPETokenizer(merges, { specialTokens: special, pattern })
  }

  /**
   * A Hugging Face byte-level BPE: `{vocab, merges}` (the texts of vocab.json
   * and merges.txt, or OpenAI's encoder.json and vocab.bpe) or `{tokenizerJson}`
   * (the text or object of tokenizer.json). Special tokens: tokenizer.json's
   * added tokens; from vocab.json, the entries no merge makes (GPT-2's
   * <|endoftext|>, RoBERTa's <s> ... <mask>), unless opts.specialTokens names them.
   */
  static fromHuggingFace(files: HuggingFaceTokenizerFiles, opts: { specialTokens?: readonly string[] } = {}): BPETokenizer {
    const parsed = 'tokenizerJson' in files ? parseTokenizerJson(files.tokenizerJson) : parseVocabAndMerges(files.vocab, files.merges, opts.specialTokens)
    return new BPETokenizer(parsed.vocabulary, parsed.options)
  }

  /** vocab.json, merges.txt and tokenizer.json (texts) in Hugging Face's formats. */
  toHuggingFace(): HuggingFaceFiles {
    return toHuggingFaceFiles(this.vocabulary(), { specialTokens: this.special.tokens, specialIds: this.special.idList, specialStrip: this.special.strip, pattern: this.pattern })
  }

  /** The general form of this tokenizer's vocabulary. */
  vocabulary(): BPEVocabulary {
    return { tokens: this.bytesOf, merges: this.merges.map(([a, b], i) => [a, b, this.results[i]] as const) }
  }

  static fromJSON(json: TokenizerJSON): BPETokenizer {
    if (json.type !== 'bpe' || !Array.isArray(json.merges)) throw new VocabularyError(`bpe tokenizer: expected {type: "bpe", merges: [...]}, got type ${JSON.stringify(json.type)}`)
    const pattern = typeof json.pattern === 'string' ? json.pattern : undefined
    if (json.version === 2) {
      if (!Array.isArray(json.tokens)) throw new VocabularyError('bpe tokenizer: version 2 needs "tokens" (the byte-level string of each id)')
      const tokens = (json.tokens as (string | null)[]).map((t, id) => t === null ? undefined : byteLevelToBytesOrThrow(t, `bpe tokenizer: token ${id}`))
      return new BPETokenizer({ tokens, merges: json.merges as BPEMerge[] }, { specialTokens: json.specialTokens ?? [], specialIds: json.specialIds as number[] | undefined, specialStrip: json.specialStrip as Record<string, SpecialStrip> | undefined, pattern })
    }
    return new BPETokenizer(json.merges as [number, number][], { specialTokens: json.specialTokens ?? [], pattern })
  }

  /** The bytes an ordinary id stands for (undefined for special tokens). */
  tokenBytes(id: number): readonly number[] | undefined {
    return this.bytesOf[id]
  }

  protected encodeOrdinary(text: string): number[] {
    const out: number[] = []
    for (const [chunk] of text.matchAll(this.regex)) {
      let ids = this.cache.get(chunk)
      if (ids === undefined) {
        ids = this.encodeChunk(chunk)
        if (this.cache.size > 50_000) this.cache.clear()
        this.cache.set(chunk, ids)
      }
      for (const id of ids) out.push(id)
    }
    return out
  }

  /** One chunk's byte tokens, then the merges, lowest rank first (GPT-2's bpe()). */
  private encodeChunk(chunk: string): number[] {
    let ids = encodeWtf8(chunk).map((b) => this.byteIds[b])
    if (ids.includes(-1)) {
      const b = encodeWtf8(chunk)[ids.indexOf(-1)]
      throw new VocabularyError(`bpe tokenizer: the vocabulary has no token for the byte 0x${b.toString(16).padStart(2, '0')} (in ${JSON.stringify(chunk)})`)
    }
    while (ids.length > 1) {
      let best = -1, bestRank = Infinity
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.ranks.get(pairKey(ids[i], ids[i + 1]))
        if (r !== undefined && r < bestRank) { bestRank = r; best = i }
      }
      if (best < 0) break
      const [a, b] = this.merges[bestRank]
      const made = this.results[bestRank]
      const next: number[] = []
      for (let i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) { next.push(made); i++ }
        else next.push(ids[i])
      }
      ids = next
    }
    return ids
  }

  protected decodeOrdinary(ids: readonly number[]): string {
    const bytes: number[] = []
    for (const id of ids) {
      const t = this.bytesOf[id]
      if (t === undefined) throw new VocabularyError(`bpe tokenizer: id ${id} is not a token of this vocabulary`)
      for (const b of t) bytes.push(b)
    }
    return decodeWtf8(bytes)
  }

  /** True when the ids follow adjoint's own numbering (bytes, then merge i = 256 + i, then the special tokens). */
  private isAdjointNumbering(): boolean {
    const n = this.merges.length
    if (this.bytesOf.length !== 256 + n) return false
    for (let b = 0; b < 256; b++) if (this.byteIds[b] !== b) return false
    for (let i = 0; i < n; i++) if (this.results[i] !== 256 + i) return false
    return this.special.idList.every((id, i) => id === 256 + n + i) && Object.keys(this.special.strip).length === 0
  }

  toJSON(): TokenizerJSON {
    if (this.isAdjointNumbering()) return { type: 'bpe', version: 1, pattern: this.pattern, merges: this.merges.map(([a, b]) => [a, b]), specialTokens: [...this.special.tokens] }
    return {
      type: 'bpe', version: 2, pattern: this.pattern,
      tokens: this.bytesOf.map((t) => t === undefined ? null : bytesToByteLevel(t)),
      merges: this.merges.map(([a, b], i) => [a, b, this.results[i]]),
      specialTokens: [...this.special.tokens], specialIds: this.special.idList,
      ...(Object.keys(this.special.strip).length > 0 ? { specialStrip: this.special.strip } : {}),
    }
  }
}

/** adjoint's numbering as a general vocabulary: 256 bytes, then merge i = [a, b] makes 256 + i. */
function adjointVocabulary(merges: readonly (readonly [number, number])[]): BPEVocabulary {
  if (256 + merges.length >= KEY) throw new VocabularyError(`bpe tokenizer: at most ${KEY - 256} merges, got ${merges.length}`)
  const tokens: number[][] = Array.from({ length: 256 }, (_, i) => [i])
  const triples = merges.map(([a, b], i) => {
    const id = 256 + i
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= id || b >= id) throw new VocabularyError(`bpe tokenizer: merge ${i} = [${a}, ${b}] refers to ids not defined before it (${id})`)
    tokens.push([...tokens[a], ...tokens[b]])
    return [a, b, id] as const
  })
  return { tokens, merges: triples }
}

/**
 * The classic BPE training loop over (word bytes, count) pairs, with pair counts
 * updated incrementally and a max-heap of (count, pair) with lazy deletion.
 * Ties go to the smaller pair key, so training is deterministic.
 */
function learnMerges(words: [number[], number][], nMerges: number, minFrequency: number): [number, number][] {
  const pairCount = new Map<number, number>()
  const where = new Map<number, Set<number>>()
  const heap = new PairHeap()
  const bump = (key: number, delta: number, w: number) => {
    const c = (pairCount.get(key) ?? 0) + delta
    pairCount.set(key, c)
    if (delta > 0) {
      let s = where.get(key)
      if (s === undefined) where.set(key, (s = new Set()))
      s.add(w)
    }
    return c
  }
  words.forEach(([syms, n], w) => {
    for (let i = 0; i + 1 < syms.length; i++) bump(pairKey(syms[i], syms[i + 1]), n, w)
  })
  for (const [k, c] of pairCount) heap.push(c, k)

  const merges: [number, number][] = []
  while (merges.length < nMerges) {
    let top: [number, number] | undefined
    while ((top = heap.pop()) !== undefined && pairCount.get(top[1]) !== top[0]) { /* stale entry */ }
    if (top === undefined || top[0] < minFrequency) break
    const key = top[1]
    const a = Math.floor(key / KEY), b = key % KEY
    const id = 256 + merges.length
    merges.push([a, b])
    const touched = new Set<number>()
    for (const w of where.get(key) ?? []) {
      const [syms, n] = words[w]
      let found = false
      for (let i = 0; i + 1 < syms.length; i++) if (syms[i] === a && syms[i + 1] === b) { found = true; break }
      if (!found) continue
      for (let i = 0; i + 1 < syms.length; i++) touched.add(pairKey(syms[i], syms[i + 1])), bump(pairKey(syms[i], syms[i + 1]), -n, w)
      const next: number[] = []
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) { next.push(id); i++ }
        else next.push(syms[i])
      }
      words[w][0] = next
      for (let i = 0; i + 1 < next.length; i++) touched.add(pairKey(next[i], next[i + 1])), bump(pairKey(next[i], next[i + 1]), n, w)
    }
    where.delete(key)
    pairCount.delete(key)
    for (const k of touched) {
      const c = pairCount.get(k)
      if (c !== undefined && c > 0) heap.push(c, k)
      else if (c !== undefined) pairCount.delete(k)
    }
  }
  return merges
}

/** Binary max-heap of (count, key); equal counts pop the smaller key first. */
class PairHeap {
  private readonly c: number[] = []
  private readonly k: number[] = []
  private above(i: number, j: number): boolean {
    return this.c[i] > this.c[j] || (this.c[i] === this.c[j] && this.k[i] < this.k[j])
  }
  private swap(i: number, j: number): void {
    const c = this.c[i], k = this.k[i]
    this.c[i] = this.c[j]; this.k[i] = this.k[j]; this.c[j] = c; this.k[j] = k
  }
  push(count: number, key: number): void {
    this.c.push(count); this.k.push(key)
    let i = this.c.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.above(i, p)) break
      this.swap(i, p); i = p
    }
  }
  pop(): [number, number] | undefined {
    const n = this.c.length
    if (n === 0) return undefined
    const top: [number, number] = [this.c[0], this.k[0]]
    this.swap(0, n - 1); this.c.pop(); this.k.pop()
    let i = 0
    for (;;) {
      const l = 2 * i + 1, r = l + 1
      let m = i
      if (l < n - 1 && this.above(l, m)) m = l
      if (r < n - 1 && this.above(r, m)) m = r
      if (m === i) break
      this.swap(i, m); i = m
    }
    return top
  }
}
