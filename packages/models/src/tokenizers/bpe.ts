// Byte-level BPE (GPT-2's scheme): text is split into chunks by a regex (words
// with their leading space, numbers, punctuation runs, whitespace), each chunk
// into bytes (ids 0..255), then learned merges are applied, lowest rank first.
// Merge i makes id 256 + i; special tokens follow the merges.
//
// Ids 0..255 are the raw byte values (not GPT-2's byte-to-unicode permutation):
// tokenizer.json stores merges as id pairs, so it is not a drop-in for a
// Hugging Face vocab.json/merges.txt.
import { VocabularyError } from '../errors.js'
import { Tokenizer, type TokenizerJSON } from './tokenizer.js'
import { decodeWtf8, encodeWtf8 } from './wtf8.js'

/** GPT-2's pre-tokenization pattern. */
export const GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

export interface BPEOptions {
  specialTokens?: readonly string[]
  /** Pre-tokenization regex source (compiled with the 'gu' flags); default GPT-2's. */
  pattern?: string
}

export interface BPETrainOptions extends BPEOptions {
  /** Total vocabulary, special tokens included: 256 bytes + merges + specials. */
  vocabSize: number
  /** Stop early when the best pair occurs fewer times than this (default 2). */
  minFrequency?: number
}

const KEY = 1 << 20 // pair key = a * KEY + b (ids stay below 2^20)
const pairKey = (a: number, b: number) => a * KEY + b

export class BPETokenizer extends Tokenizer {
  readonly type = 'bpe'
  readonly pattern: string
  private readonly regex: RegExp
  private readonly ranks = new Map<number, number>()
  private readonly bytesOf: number[][]
  private readonly cache = new Map<string, number[]>()

  constructor(readonly merges: readonly (readonly [number, number])[], opts: BPEOptions = {}) {
    super(256 + merges.length, opts.specialTokens ?? [])
    if (256 + merges.length >= KEY) throw new VocabularyError(`bpe tokenizer: at most ${KEY - 256} merges, got ${merges.length}`)
    this.pattern = opts.pattern ?? GPT2_PATTERN
    this.regex = new RegExp(this.pattern, 'gu')
    this.bytesOf = Array.from({ length: 256 }, (_, i) => [i])
    merges.forEach(([a, b], i) => {
      const id = 256 + i
      if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= id || b >= id) throw new VocabularyError(`bpe tokenizer: merge ${i} = [${a}, ${b}] refers to ids not defined before it (${id})`)
      this.ranks.set(pairKey(a, b), i)
      this.bytesOf.push([...this.bytesOf[a], ...this.bytesOf[b]])
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

  static fromJSON(json: TokenizerJSON): BPETokenizer {
    if (json.type !== 'bpe' || !Array.isArray(json.merges)) throw new VocabularyError(`bpe tokenizer: expected {type: "bpe", merges: [...]}, got type ${JSON.stringify(json.type)}`)
    return new BPETokenizer(json.merges as [number, number][], { specialTokens: json.specialTokens ?? [], pattern: typeof json.pattern === 'string' ? json.pattern : undefined })
  }

  /** The bytes an id stands for (not for special tokens). */
  tokenBytes(id: number): readonly number[] {
    return this.bytesOf[id]
  }

  protected encodeOrdinary(text: string): number[] {
    const out: number[] = []
    for (const [chunk] of text.matchAll(this.regex)) {
      let ids = this.cache.get(chunk)
      if (ids === undefined) {
        ids = this.encodeChunk(encodeWtf8(chunk))
        if (this.cache.size > 50_000) this.cache.clear()
        this.cache.set(chunk, ids)
      }
      for (const id of ids) out.push(id)
    }
    return out
  }

  /** Applies the merges to one chunk's bytes, lowest rank first (GPT-2's bpe()). */
  private encodeChunk(ids: number[]): number[] {
    while (ids.length > 1) {
      let best = -1, bestRank = Infinity
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.ranks.get(pairKey(ids[i], ids[i + 1]))
        if (r !== undefined && r < bestRank) { bestRank = r; best = i }
      }
      if (best < 0) break
      const [a, b] = this.merges[bestRank]
      const next: number[] = []
      for (let i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) { next.push(256 + bestRank); i++ }
        else next.push(ids[i])
      }
      ids = next
    }
    return ids
  }

  protected decodeOrdinary(ids: readonly number[]): string {
    const bytes: number[] = []
    for (const id of ids) for (const b of this.bytesOf[id]) bytes.push(b)
    return decodeWtf8(bytes)
  }

  toJSON(): TokenizerJSON {
    return { type: 'bpe', version: 1, pattern: this.pattern, merges: this.merges.map(([a, b]) => [a, b]), specialTokens: [...this.special.tokens] }
  }
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
