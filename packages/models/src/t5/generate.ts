// Generation with T5: the encoder runs once; the decoder then produces one
// token per step, greedy (temperature 0) or sampled (temperature, top-k,
// top-p: the GPT sampler), with its self-attention keys/values cached (and the
// cross-attention keys/values computed once) so each step costs one position.
// Without the cache every step re-runs the decoder on the whole prefix; both
// give the same tokens.
import { Tensor, ValueError, noGrad } from '@adjoint/core'
import { checkSampling, sampleLogits, samplingGenerator, type SampleOptions } from '../generation/sample.js'
import type { T5ForConditionalGeneration } from './model.js'

export interface T5GenerateOptions extends SampleOptions {
  /** Most tokens to produce per row (default 32). */
  maxNewTokens?: number
  /** [B, S] encoder padding mask (1 = real token). */
  attentionMask?: Tensor | null
  /** Cache the decoder's keys/values (default true). */
  useCache?: boolean
  /** A row stops at this id (default config.eosTokenId; null: never). Later positions are padded with padTokenId. */
  eosTokenId?: number | null
  /** Called with each new token of each row. */
  onToken?: (row: number, id: number) => void
}

/**
 * Generates decoder tokens for encoder inputs [B, S] (int32, or one row as an
 * array). Returns [B, n] int32 without the decoder start token; rows that
 * stopped early are padded with padTokenId after their EOS.
 */
export function t5Generate(model: T5ForConditionalGeneration, inputIds: Tensor | ArrayLike<number>, opts: T5GenerateOptions = {}): Tensor {
  const c = model.config
  const maxNew = opts.maxNewTokens ?? 32
  if (!Number.isInteger(maxNew) || maxNew < 1) throw new ValueError(`t5Generate: maxNewTokens must be a positive integer, got ${maxNew}`)
  checkSampling(opts, 't5Generate')
  const ids = inputIds instanceof Tensor ? inputIds : Tensor.fromArray(Int32Array.from(inputIds), [1, inputIds.length], 'int32')
  if (ids.dtype !== 'int32' || ids.ndim !== 2) throw new ValueError(`t5Generate: inputIds must be int32 [batch, seq], got ${ids.dtype} [${ids.shape.join(',')}]`)
  const B = ids.shape[0]
  const eos = opts.eosTokenId === undefined ? c.eosTokenId : opts.eosTokenId
  const gen = samplingGenerator(opts)
  const useCache = opts.useCache ?? true
  const mask = opts.attentionMask ?? null
  const seqs: number[][] = Array.from({ length: B }, () => [c.decoderStartTokenId])
  const done = new Array<boolean>(B).fill(false)
  const wasTraining = model.training
  model.eval()
  try {
    noGrad(() => {
      const enc = model.encode(ids, mask)
      const cache = useCache ? model.newCache(maxNew + 1) : null // the start token and maxNew more, preallocated
      for (let step = 0; step < maxNew && !done.every(Boolean); step++) {
        const len = seqs[0].length
        const input = useCache ? seqs.map((s) => s[len - 1]) : seqs.flat()
        const x = Tensor.fromArray(Int32Array.from(input), [B, useCache ? 1 : len], 'int32')
        const last = model.decode(x, enc, { attentionMask: mask, cache, lastOnly: true }).contiguousData()
        const V = c.vocabSize
        for (let b = 0; b < B; b++) {
          let id = c.padTokenId
          if (!done[b]) {
            id = sampleLogits(last.subarray(b * V, (b + 1) * V), opts, gen)
            opts.onToken?.(b, id)
            if (eos !== null && id === eos) done[b] = true
          }
          seqs[b].push(id)
        }
      }
    })
  } finally {
    model.train(wasTraining)
  }
  const n = seqs[0].length - 1
  return Tensor.fromArray(Int32Array.from(seqs.flatMap((s) => s.slice(1))), [B, n], 'int32')
}
