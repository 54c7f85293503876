// Drawing a token from a row of logits: temperature (0 = greedy), top-k,
// top-p (nucleus), from a seeded generator. Shared by every model's generation.
import { Generator, ValueError, defaultGenerator } from '@adjoint/core'

export interface SampleOptions {
  /** Divides the logits; 0 means greedy (argmax). Default 1. */
  temperature?: number
  /** Keep only the k most likely tokens. */
  topK?: number | null
  /** Keep the smallest set of most likely tokens whose probability reaches p. */
  topP?: number | null
  /** Seed of a private generator (default: the global one, seeded by manualSeed). */
  seed?: number
  generator?: Generator
}

/** Throws a ValueError naming `op` when a sampling option is out of range. */
export function checkSampling(opts: SampleOptions, op = 'generate'): void {
  const t = opts.temperature ?? 1
  if (typeof t !== 'number' || !(t >= 0) || !Number.isFinite(t)) throw new ValueError(`${op}: temperature must be a finite number >= 0, got ${t}`)
  if (opts.topK != null && (!Number.isInteger(opts.topK) || opts.topK < 1)) throw new ValueError(`${op}: topK must be a positive integer, got ${opts.topK}`)
  if (opts.topP != null && !(opts.topP > 0 && opts.topP <= 1)) throw new ValueError(`${op}: topP must be in (0, 1], got ${opts.topP}`)
}

/** Draws one id from a row of logits (float64 math; the logits array is not modified). */
export function sampleLogits(logits: ArrayLike<number>, opts: SampleOptions, gen: Generator): number {
  const n = logits.length
  const temperature = opts.temperature ?? 1
  if (temperature === 0) {
    let best = 0
    for (let i = 1; i < n; i++) if (logits[i] > logits[best]) best = i
    return best
  }
  let order: number[] = Array.from({ length: n }, (_, i) => i)
  if ((opts.topK != null && opts.topK < n) || opts.topP != null) {
    order.sort((a, b) => logits[b] - logits[a] || a - b)
    if (opts.topK != null) order = order.slice(0, opts.topK)
  }
  let max = -Infinity
  for (const i of order) max = Math.max(max, logits[i])
  const p = order.map((i) => Math.exp((logits[i] - max) / temperature))
  let total = p.reduce((a, b) => a + b, 0)
  if (opts.topP != null) {
    let acc = 0, keep = p.length
    for (let j = 0; j < p.length; j++) {
      acc += p[j]
      if (acc / total >= opts.topP) { keep = j + 1; break }
    }
    order = order.slice(0, keep); p.length = keep
    total = p.reduce((a, b) => a + b, 0)
  }
  let u = gen.uniform() * total
  for (let j = 0; j < p.length; j++) {
    u -= p[j]
    if (u < 0) return order[j]
  }
  return order[p.length - 1]
}

/** The generator sampling draws from: opts.generator, else a private one seeded by opts.seed, else the global one. */
export function samplingGenerator(opts: SampleOptions): Generator {
  return opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : defaultGenerator)
}
