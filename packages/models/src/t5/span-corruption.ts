// T5's span corruption (Raffel et al. 2020, section 3.1.4; the
// random_spans_noise_mask of t5.data.preprocessors): about 15% of the tokens,
// in spans of mean length 3, are dropped from the input; each dropped span is
// replaced by one sentinel (<extra_id_0>, <extra_id_1>, ...). The target is
// each sentinel followed by the span it stands for:
//
//   original  Thank you for inviting me to your party last week .
//   input     Thank you <X> me to your party <Y> week .
//   target    <X> for inviting <Y> last
//
// As in T5, the sequence starts with kept tokens and the spans are spread by a
// random segmentation of the noise and non-noise token counts.
import { Generator, Tensor, defaultGenerator } from '@adjoint/core'
import type { TokenIds } from '@adjoint/nn'
import { ConfigError, DataError } from '../errors.js'

export interface SpanCorruptionOptions {
  /** Sentinel ids in order: sentinelIds[i] replaces the i-th span. */
  sentinelIds: readonly number[]
  /** Fraction of tokens dropped (default 0.15). */
  noiseDensity?: number
  /** Mean span length (default 3). */
  meanNoiseSpanLength?: number
  /** Appended to both input and target when given (T5 appends </s>). */
  eosId?: number | null
  generator?: Generator
}

export interface SpanCorruption {
  input: number[]
  target: number[]
  /** The noise mask over the original tokens (1 = dropped). */
  noiseMask: Uint8Array
}

/** Splits numItems into numSegments non-empty segments at random; returns their lengths. */
function randomSegmentation(numItems: number, numSegments: number, g: Generator): number[] {
  // numItems - 1 gaps, numSegments - 1 of them start a new segment (shuffled)
  const starts = new Uint8Array(Math.max(0, numItems - 1))
  for (let i = 0; i < numSegments - 1; i++) starts[i] = 1
  for (let i = starts.length - 1; i > 0; i--) {
    const j = g.int(0, i + 1)
    const t = starts[i]; starts[i] = starts[j]; starts[j] = t
  }
  const lengths: number[] = [1]
  for (const s of starts) {
    if (s) lengths.push(1)
    else lengths[lengths.length - 1]++
  }
  return lengths
}

/** T5's random_spans_noise_mask: a 0/1 mask of `length` with round(length * density) ones in round(noise / mean) spans, starting with zeros. */
export function randomSpansNoiseMask(length: number, noiseDensity = 0.15, meanNoiseSpanLength = 3, g: Generator = defaultGenerator): Uint8Array {
  if (!Number.isInteger(length) || length < 2) throw new DataError(`span corruption: need a sequence of at least 2 tokens, got ${length}`)
  if (!(noiseDensity > 0 && noiseDensity < 1)) throw new ConfigError(`span corruption: noiseDensity must be in (0, 1), got ${noiseDensity}`)
  if (!(meanNoiseSpanLength >= 1)) throw new ConfigError(`span corruption: meanNoiseSpanLength must be >= 1, got ${meanNoiseSpanLength}`)
  const numNoise = Math.min(Math.max(Math.round(length * noiseDensity), 1), length - 1)
  const numSpans = Math.min(Math.max(Math.round(numNoise / meanNoiseSpanLength), 1), length - numNoise)
  const noiseLengths = randomSegmentation(numNoise, numSpans, g)
  const keepLengths = randomSegmentation(length - numNoise, numSpans, g)
  const mask = new Uint8Array(length)
  let pos = 0
  for (let s = 0; s < numSpans; s++) {
    pos += keepLengths[s]
    mask.fill(1, pos, pos + noiseLengths[s])
    pos += noiseLengths[s]
  }
  return mask
}

/** Number of spans randomSpansNoiseMask makes for a sequence of this length (to check there are enough sentinels). */
export function numNoiseSpans(length: number, noiseDensity = 0.15, meanNoiseSpanLength = 3): number {
  const numNoise = Math.min(Math.max(Math.round(length * noiseDensity), 1), length - 1)
  return Math.min(Math.max(Math.round(numNoise / meanNoiseSpanLength), 1), length - numNoise)
}

/** Corrupts one sequence of token ids: input with one sentinel per dropped span, target = sentinels followed by their spans. */
export function spanCorrupt(ids: ArrayLike<number>, opts: SpanCorruptionOptions): SpanCorruption {
  const density = opts.noiseDensity ?? 0.15, mean = opts.meanNoiseSpanLength ?? 3
  const spans = numNoiseSpans(ids.length, density, mean)
  if (spans > opts.sentinelIds.length) throw new ConfigError(`span corruption: a sequence of ${ids.length} tokens has ${spans} spans but only ${opts.sentinelIds.length} sentinel ids were given`)
  const sentinels = new Set(opts.sentinelIds)
  for (let i = 0; i < ids.length; i++) if (sentinels.has(ids[i])) throw new DataError(`span corruption: the sequence already holds sentinel id ${ids[i]} at position ${i}`)
  const noiseMask = randomSpansNoiseMask(ids.length, density, mean, opts.generator ?? defaultGenerator)
  const input: number[] = [], target: number[] = []
  let span = -1
  for (let i = 0; i < ids.length; i++) {
    if (noiseMask[i]) {
      if (i === 0 || !noiseMask[i - 1]) {
        span++
        input.push(opts.sentinelIds[span])
        target.push(opts.sentinelIds[span])
      }
      target.push(ids[i])
    } else input.push(ids[i])
  }
  if (opts.eosId !== undefined && opts.eosId !== null) { input.push(opts.eosId); target.push(opts.eosId) }
  return { input, target, noiseMask }
}

/**
 * Puts the spans of `target` back in place of their sentinels in `input`: the
 * inverse of spanCorrupt (and how a T5 prediction fills a prompt's blanks).
 * Tokens in target before its first sentinel, and eosId anywhere, are dropped;
 * a sentinel with no span in target is replaced by nothing.
 */
export function fillSpans(input: ArrayLike<number>, target: ArrayLike<number>, sentinelIds: readonly number[], eosId: number | null = null): number[] {
  const which = new Map(sentinelIds.map((id, i) => [id, i]))
  const spans = new Map<number, number[]>()
  let cur: number[] | null = null
  for (let i = 0; i < target.length; i++) {
    const t = target[i]
    if (t === eosId) break
    const s = which.get(t)
    if (s !== undefined) { cur = []; if (!spans.has(s)) spans.set(s, cur) }
    else if (cur) cur.push(t)
  }
  const out: number[] = []
  for (let i = 0; i < input.length; i++) {
    const t = input[i]
    if (t === eosId) continue
    const s = which.get(t)
    if (s === undefined) out.push(t)
    else for (const x of spans.get(s) ?? []) out.push(x)
  }
  return out
}

export interface SpanCorruptionBatchOptions extends Omit<SpanCorruptionOptions, 'generator'> {
  batchSize: number
  /** Original tokens per example (before corruption). */
  length: number
}

/**
 * A span-corruption training batch from a token stream: batchSize random
 * windows of `length` tokens, each corrupted. The input and target lengths
 * depend only on `length` (T5's rounding), so rows need no padding.
 * Returns int32 inputIds [B, S] and labels [B, L].
 */
export function spanCorruptionBatch(stream: TokenIds, opts: SpanCorruptionBatchOptions, g: Generator = defaultGenerator): { inputIds: Tensor; labels: Tensor } {
  const { batchSize: B, length: n } = opts
  if (!Number.isInteger(B) || B < 1) throw new ConfigError(`span corruption batch: batchSize must be a positive integer, got ${B}`)
  if (stream.length < n) throw new DataError(`span corruption batch: the data has ${stream.length} tokens, fewer than one window of ${n}`)
  const inputs: number[][] = [], targets: number[][] = []
  for (let b = 0; b < B; b++) {
    const i = g.int(0, stream.length - n + 1)
    const { input, target } = spanCorrupt(stream.subarray(i, i + n), { ...opts, generator: g })
    inputs.push(input)
    targets.push(target)
  }
  const S = inputs[0].length, L = targets[0].length
  return {
    inputIds: Tensor.fromArray(Int32Array.from(inputs.flat()), [B, S], 'int32'),
    labels: Tensor.fromArray(Int32Array.from(targets.flat()), [B, L], 'int32'),
  }
}
