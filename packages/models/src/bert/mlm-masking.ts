// BERT's masked-language-model recipe (Devlin et al. 2019, section 3.1): each
// ordinary token is chosen with probability 15%; of the chosen, 80% become
// [MASK], 10% a random ordinary token, 10% stay as they are. The labels hold
// the original id at the chosen positions and ignoreIndex (-100) elsewhere, so
// the loss (crossEntropy with ignoreIndex) is computed on chosen positions only.
import { Generator, Tensor, defaultGenerator } from '@adjoint/core'
import type { TokenIds } from '@adjoint/nn'
import { ConfigError, DataError } from '../errors.js'

export interface MlmMaskingOptions {
  /** Id of the [MASK] token. */
  maskTokenId: number
  /** Ids that are never chosen: [CLS], [SEP], [PAD], ... (and a random replacement is never one of them). */
  specialTokenIds: Iterable<number>
  /** Random replacements are drawn uniformly from the ordinary ids [0, randomVocabSize) that are not special. */
  randomVocabSize: number
  /** Probability that a token is chosen (default 0.15). */
  mlmProbability?: number
  /** Of the chosen: fraction replaced by [MASK] (default 0.8) and by a random token (default 0.1); the rest stay. */
  maskFraction?: number
  randomFraction?: number
  /** Label of the positions that are not chosen (default -100, crossEntropy's default ignoreIndex). */
  ignoreIndex?: number
  /** Choose at least one token in each row that has an ordinary token (so a row never has an empty loss; default true). */
  atLeastOne?: boolean
  generator?: Generator
}

export interface MlmBatch {
  /** The corrupted ids fed to the model. */
  inputIds: Int32Array
  /** Original id at chosen positions, ignoreIndex elsewhere. */
  labels: Int32Array
}

function checkFraction(name: string, p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ConfigError(`mlm masking: ${name} must be in [0, 1], got ${p}`)
  return p
}

/**
 * Applies the masking recipe to `ids` (one sequence, or rows of `rowLength`
 * tokens laid out one after another). Returns new arrays; `ids` is not changed.
 */
export function maskTokens(ids: ArrayLike<number>, opts: MlmMaskingOptions & { rowLength?: number }): MlmBatch {
  const p = checkFraction('mlmProbability', opts.mlmProbability ?? 0.15)
  const pMask = checkFraction('maskFraction', opts.maskFraction ?? 0.8)
  const pRandom = checkFraction('randomFraction', opts.randomFraction ?? 0.1)
  if (pMask + pRandom > 1 + 1e-12) throw new ConfigError(`mlm masking: maskFraction + randomFraction must be <= 1, got ${pMask} + ${pRandom}`)
  const ignoreIndex = opts.ignoreIndex ?? -100
  const special = new Set(opts.specialTokenIds)
  if (!Number.isInteger(opts.maskTokenId)) throw new ConfigError(`mlm masking: maskTokenId must be an integer, got ${opts.maskTokenId}`)
  special.add(opts.maskTokenId)
  const pool: number[] = []
  for (let i = 0; i < opts.randomVocabSize; i++) if (!special.has(i)) pool.push(i)
  if (pRandom > 0 && pool.length === 0) throw new ConfigError(`mlm masking: no ordinary ids in [0, ${opts.randomVocabSize}) to draw random replacements from`)
  const n = ids.length
  const rowLength = opts.rowLength ?? n
  if (!Number.isInteger(rowLength) || rowLength <= 0 || n % rowLength !== 0) throw new DataError(`mlm masking: ${n} ids do not split into rows of ${rowLength}`)
  const g = opts.generator ?? defaultGenerator
  const inputIds = Int32Array.from(ids)
  const labels = new Int32Array(n).fill(ignoreIndex)
  const corrupt = (i: number) => {
    labels[i] = inputIds[i]
    const u = g.uniform()
    if (u < pMask) inputIds[i] = opts.maskTokenId
    else if (u < pMask + pRandom) inputIds[i] = pool[g.int(0, pool.length)]
  }
  for (let r = 0; r < n; r += rowLength) {
    let chosen = 0
    for (let i = r; i < r + rowLength; i++) {
      if (special.has(inputIds[i])) continue
      if (g.uniform() < p) { corrupt(i); chosen++ }
    }
    if (chosen === 0 && (opts.atLeastOne ?? true) && p > 0) {
      const ordinary: number[] = []
      for (let i = r; i < r + rowLength; i++) if (!special.has(inputIds[i])) ordinary.push(i)
      if (ordinary.length > 0) corrupt(ordinary[g.int(0, ordinary.length)])
    }
  }
  return { inputIds, labels }
}

/** maskTokens on an int32 tensor [batch, seq]: returns int32 tensors of the same shape. */
export function maskTokensTensor(ids: Tensor, opts: MlmMaskingOptions): { inputIds: Tensor; labels: Tensor } {
  if (ids.dtype !== 'int32' || ids.ndim !== 2) throw new DataError(`mlm masking: expected int32 ids of shape [batch, seq], got ${ids.dtype} [${ids.shape.join(',')}]`)
  const { inputIds, labels } = maskTokens(ids.contiguousData(), { ...opts, rowLength: ids.shape[1] })
  return { inputIds: Tensor.fromArray(inputIds, ids.shape, 'int32'), labels: Tensor.fromArray(labels, ids.shape, 'int32') }
}

export interface MlmBatchOptions extends Omit<MlmMaskingOptions, 'generator'> {
  batchSize: number
  /** Tokens per row, [CLS] and [SEP] included. */
  seqLen: number
  clsTokenId: number
  sepTokenId: number
}

/**
 * A masked-LM training batch from a token stream: batchSize random windows of
 * seqLen - 2 tokens, each as [CLS] window [SEP], then masked. Returns int32
 * [batchSize, seqLen] inputIds (no padding: every row is full) and labels.
 */
export function mlmBatch(stream: TokenIds, opts: MlmBatchOptions, g: Generator = defaultGenerator): { inputIds: Tensor; labels: Tensor } {
  const { batchSize: B, seqLen: T } = opts
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(T) || T < 3) throw new ConfigError(`mlm batch: need batchSize >= 1 and seqLen >= 3, got ${B} and ${T}`)
  const n = T - 2
  if (stream.length < n) throw new DataError(`mlm batch: the data has ${stream.length} tokens, fewer than one window of ${n}`)
  const ids = new Int32Array(B * T)
  for (let b = 0; b < B; b++) {
    const i = g.int(0, stream.length - n + 1)
    ids[b * T] = opts.clsTokenId
    ids.set(stream.subarray(i, i + n), b * T + 1)
    ids[b * T + T - 1] = opts.sepTokenId
  }
  const specialTokenIds = [...opts.specialTokenIds, opts.clsTokenId, opts.sepTokenId]
  const { inputIds, labels } = maskTokens(ids, { ...opts, specialTokenIds, rowLength: T, generator: g })
  return { inputIds: Tensor.fromArray(inputIds, [B, T], 'int32'), labels: Tensor.fromArray(labels, [B, T], 'int32') }
}
