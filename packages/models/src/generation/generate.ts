// Autoregressive sampling from a decoder-only language model (GPT): a
// key/value cache so each new token costs one position of attention. The
// context is the last blockSize tokens (as nanoGPT crops it): once the sequence
// is longer, the window slides, every position shifts, and the cache is rebuilt
// from the window; cached and uncached generation give the same tokens either way.
import { Tensor, ValueError, noGrad } from '@adjoint/core'
import type { KVCache } from '@adjoint/nn'
import { checkSampling, sampleLogits, samplingGenerator, type SampleOptions } from './sample.js'

/** What generate() needs of a model (GPT has it): a causal LM with a key/value cache per layer. */
export interface CachedCausalLM {
  readonly config: { blockSize: number; vocabSize: number }
  readonly training: boolean
  eval(): unknown
  train(mode?: boolean): unknown
  newCache(): KVCache[]
  /** Logits of the last position ([B, 1, vocabSize]) of idx [B, T] with lastOnly, extending the caches when given. */
  forward(idx: Tensor, targets: null, opts: { cache?: readonly KVCache[] | null; lastOnly?: boolean }): { logits: Tensor }
}

export interface GenerateOptions extends SampleOptions {
  /** Use a key/value cache (default true). */
  useCache?: boolean
  /** Called with each new token of each row (row, id), e.g. to stream text. */
  onToken?: (row: number, id: number) => void
  /** Stop a row when it produces this token (its later positions repeat it). */
  stopToken?: number
}

/**
 * Appends maxNewTokens sampled tokens to each row of idx ([B, T] int32, or one
 * row as an array of ids). Returns the whole sequences as [B, T + maxNewTokens] int32.
 */
export function generate(model: CachedCausalLM, idx: Tensor | ArrayLike<number>, maxNewTokens: number, opts: GenerateOptions = {}): Tensor {
  checkSampling(opts)
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new ValueError(`generate: maxNewTokens must be a non-negative integer, got ${maxNewTokens}`)
  const start = idx instanceof Tensor ? idx : Tensor.fromArray(Int32Array.from(idx), [1, idx.length], 'int32')
  if (start.ndim !== 2 || start.dtype !== 'int32' || start.shape[1] === 0) throw new ValueError(`generate: idx must be a non-empty [batch, time] int32 tensor, got ${start.dtype} [${start.shape.join(',')}]`)
  const gen = samplingGenerator(opts)
  const [B, T0] = start.shape
  const { blockSize, vocabSize } = model.config
  const seqs: number[][] = []
  const d = start.contiguousData()
  for (let b = 0; b < B; b++) seqs.push(Array.from(d.subarray(b * T0, (b + 1) * T0)))
  const done = new Array<boolean>(B).fill(false)
  const wasTraining = model.training
  model.eval()
  const useCache = opts.useCache ?? true
  let cache: KVCache[] | null = null
  try {
    noGrad(() => {
      for (let step = 0; step < maxNewTokens; step++) {
        const len = seqs[0].length
        let input: number[][]
        if (useCache && cache !== null && cache[0].length < blockSize && cache[0].length === len - 1) {
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
