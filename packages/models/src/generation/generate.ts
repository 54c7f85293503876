// Autoregressive sampling from a decoder-only language model (GPT).
//
// With the key/value cache (default) the prompt is run once (prefill), then
// each new token is one row of attention against the cached keys/values
// (written in place into buffers preallocated to the block size) and logits
// for that position only. Positions are absolute, so the cache cannot slide:
// when it is full, it is refilled once from the last half window (as
// nanoGPT-style KV decoding does) and decoding goes on one row at a time; the
// context then holds between blockSize/2 and blockSize tokens.
//
// Without the cache every token re-runs the last blockSize tokens (nanoGPT's
// crop). Both give the same tokens as long as the sequence fits in the block;
// past it, each sees a different window.
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
  // once the cache is full, it restarts from this many tokens
  const refill = Math.max(1, Math.floor(blockSize / 2))
  let cache: KVCache[] | null = null
  let cachedEnd = 0 // the cache holds the positions just before this sequence length
  try {
    noGrad(() => {
      for (let step = 0; step < maxNewTokens; step++) {
        const len = seqs[0].length
        let keep: number // positions fed this step
        if (!useCache) keep = Math.min(len, blockSize)
        else if (cache !== null && cachedEnd === len - 1 && cache[0].length < blockSize) keep = 1 // one new position
        else {
          // prefill: the prompt (its last blockSize tokens), or the last half window when the cache is full
          keep = Math.min(len, cache === null ? blockSize : refill)
          if (cache === null) cache = model.newCache()
          for (const c of cache) c.reset()
        }
        const x = Tensor.empty([B, keep], 'int32')
        const xd = x.storage.data
        for (let b = 0; b < B; b++) for (let t = 0; t < keep; t++) xd[b * keep + t] = seqs[b][len - keep + t]
        const { logits } = model.forward(x, null, { cache: useCache ? cache : null, lastOnly: true })
        cachedEnd = len
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
