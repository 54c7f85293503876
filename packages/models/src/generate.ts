// Autoregressive sampling from a GPT: temperature, top-k, top-p (nucleus), a
// seeded generator, and a key/value cache so each new token costs one position
// of attention. The context is the last blockSize tokens (as nanoGPT crops it):
// once the sequence is longer, the window slides, every position shifts, and
// the cache is rebuilt from the window; cached and uncached generation give
// the same tokens either way.
import { Generator, Tensor, ValueError, defaultGenerator, noGrad } from '@adjoint/core'
import type { GPT, KVCache } from './gpt/model.js'

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

export interface GenerateOptions extends SampleOptions {
  /** Use a key/value cache (default true). */
  useCache?: boolean
  /** Called with each new token of each row (row, id), e.g. to stream text. */
  onToken?: (row: number, id: number) => void
  /** Stop a row when it produces this token (its later positions repeat it). */
  stopToken?: number
}

function checkSampling(opts: SampleOptions): void {
  const t = opts.temperature ?? 1
  if (typeof t !== 'number' || !(t >= 0) || !Number.isFinite(t)) throw new ValueError(`generate: temperature must be a finite number >= 0, got ${t}`)
  if (opts.topK != null && (!Number.isInteger(opts.topK) || opts.topK < 1)) throw new ValueError(`generate: topK must be a positive integer, got ${opts.topK}`)
  if (opts.topP != null && !(opts.topP > 0 && opts.topP <= 1)) throw new ValueError(`generate: topP must be in (0, 1], got ${opts.topP}`)
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

/**
 * Appends maxNewTokens sampled tokens to each row of idx ([B, T] int32, or one
 * row as an array of ids). Returns the whole sequences as [B, T + maxNewTokens] int32.
 */
export function generate(model: GPT, idx: Tensor | ArrayLike<number>, maxNewTokens: number, opts: GenerateOptions = {}): Tensor {
  checkSampling(opts)
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new ValueError(`generate: maxNewTokens must be a non-negative integer, got ${maxNewTokens}`)
  const start = idx instanceof Tensor ? idx : Tensor.fromArray(Int32Array.from(idx), [1, idx.length], 'int32')
  if (start.ndim !== 2 || start.dtype !== 'int32' || start.shape[1] === 0) throw new ValueError(`generate: idx must be a non-empty [batch, time] int32 tensor, got ${start.dtype} [${start.shape.join(',')}]`)
  const gen = opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : defaultGenerator)
  const [B, T0] = start.shape
  const { blockSize, vocabSize } = model.config
  const seqs: number[][] = []
  const d = start.contiguousData()
  for (let b = 0; b < B; b++) seqs.push(Array.from(d.subarray(b * T0, (b + 1) * T0)))
  const done = new Array<boolean>(B).fill(false)
  const wasTraining = model.training
  model.eval()
  const useCache = opts.useCache ?? true
  let cache: KVCache | null = null
  try {
    noGrad(() => {
      for (let step = 0; step < maxNewTokens; step++) {
        const len = seqs[0].length
        let input: number[][]
        if (useCache && cache !== null && cache.length < blockSize && cache.length === len - 1) {
          input = seqs.map((s) => [s[len - 1]]) // one new position
        } else {
          // (re)start: the last blockSize tokens as context
          if (useCache) cache = model.newCache()
          input = seqs.map((s) => s.slice(Math.max(0, len - blockSize)))
        }
        const t = input[0].length
        const x = Tensor.fromArray(Int32Array.from(input.flat()), [B, t], 'int32')
        const { logits } = model.forward(x, null, { cache: useCache ? cache : null, lastOnly: true })
        const l = logits.contiguousData()
        for (let b = 0; b < B; b++) {
          let id: number
          if (done[b]) id = opts.stopToken!
          else {
            id = sampleLogits(l.subarray(b * vocabSize, (b + 1) * vocabSize), opts, gen)
            opts.onToken?.(b, id)
            if (opts.stopToken !== undefined && id === opts.stopToken) done[b] = true
          }
          seqs[b].push(id)
        }
        if (done.every(Boolean)) {
          for (let s = step + 1; s < maxNewTokens; s++) for (const row of seqs) row.push(opts.stopToken!)
          break
        }
      }
    })
  } finally {
    model.train(wasTraining)
  }
  return Tensor.fromArray(Int32Array.from(seqs.flat()), [B, seqs[0].length], 'int32')
}
