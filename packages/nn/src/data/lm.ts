// Language-modeling data: a token stream cut into (input, target) blocks, where
// the target is the input shifted by one token.
import { Generator, IndexError, Tensor, ValueError, defaultGenerator } from '@adjoint/core'
import type { Dataset } from './dataset.js'

/**
 * A token stream in memory: Int32Array, or a compact Uint16Array / Uint8Array when
 * every id fits (a character vocabulary: 1 byte a token instead of 4).
 */
export type TokenIds = Int32Array | Uint16Array | Uint8Array

function tokensOf(op: string, tokens: Tensor | TokenIds | readonly number[]): TokenIds {
  if (tokens instanceof Tensor) {
    if (tokens.dtype !== 'int32' || tokens.ndim !== 1) throw new ValueError(`${op}: expected a 1-D int32 tensor of token ids, got ${tokens.dtype} of shape [${tokens.shape.join(',')}]`)
    return tokens.contiguousData() as Int32Array
  }
  if (tokens instanceof Int32Array || tokens instanceof Uint16Array || tokens instanceof Uint8Array) return tokens
  if (Array.isArray(tokens)) return Int32Array.from(tokens)
  throw new ValueError(`${op}: expected token ids as a Tensor, Int32Array, Uint16Array, Uint8Array or number[]`)
}

/** The ids in the smallest array type that holds them all (Uint8Array, Uint16Array or the Int32Array itself). */
export function compactTokenIds(ids: Int32Array): TokenIds {
  let lo = 0, hi = 0
  for (let i = 0; i < ids.length; i++) { const v = ids[i]; if (v < lo) lo = v; else if (v > hi) hi = v }
  if (lo < 0 || hi > 0xffff) return ids
  return hi <= 0xff ? Uint8Array.from(ids) : Uint16Array.from(ids)
}

/**
 * Block i is x = tokens[i*stride : i*stride + blockSize] and y = the same span
 * shifted by one. stride defaults to blockSize (non-overlapping blocks).
 */
export class TokenBlockDataset implements Dataset<[Tensor, Tensor]> {
  private readonly tokens: TokenIds
  readonly blockSize: number
  readonly stride: number

  constructor(tokens: Tensor | TokenIds | readonly number[], blockSize: number, opts: { stride?: number } = {}) {
    this.tokens = tokensOf('TokenBlockDataset', tokens)
    if (!Number.isInteger(blockSize) || blockSize <= 0) throw new ValueError(`TokenBlockDataset: blockSize must be a positive integer, got ${blockSize}`)
    this.blockSize = blockSize
    this.stride = opts.stride ?? blockSize
    if (!Number.isInteger(this.stride) || this.stride <= 0) throw new ValueError(`TokenBlockDataset: stride must be a positive integer, got ${opts.stride}`)
  }

  get length(): number {
    const n = this.tokens.length - this.blockSize - 1
    return n < 0 ? 0 : Math.floor(n / this.stride) + 1
  }

  get(i: number): [Tensor, Tensor] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new IndexError(`TokenBlockDataset.get: block ${i} out of range for ${this.length} blocks`)
    const s = i * this.stride, T = this.blockSize
    return [Tensor.fromArray(Int32Array.from(this.tokens.subarray(s, s + T)), [T], 'int32'), Tensor.fromArray(Int32Array.from(this.tokens.subarray(s + 1, s + T + 1)), [T], 'int32')]
  }
}

/**
 * nanoGPT's get_batch: batchSize random windows of the token stream,
 * x [B, T] and y [B, T] (y = x shifted by one), start positions uniform in [0, len - T).
 */
export function getBatch(tokens: Tensor | TokenIds | readonly number[], blockSize: number, batchSize: number, opts: { generator?: Generator } = {}): [Tensor, Tensor] {
  const data = tokensOf('getBatch', tokens)
  if (!Number.isInteger(blockSize) || blockSize <= 0 || !Number.isInteger(batchSize) || batchSize <= 0) throw new ValueError(`getBatch: blockSize and batchSize must be positive integers, got ${blockSize} and ${batchSize}`)
  if (data.length <= blockSize) throw new ValueError(`getBatch: the token stream (${data.length} tokens) must be longer than blockSize ${blockSize}`)
  const g = opts.generator ?? defaultGenerator
  const x = new Int32Array(batchSize * blockSize), y = new Int32Array(batchSize * blockSize)
  for (let b = 0; b < batchSize; b++) {
    const s = g.int(0, data.length - blockSize)
    x.set(data.subarray(s, s + blockSize), b * blockSize)
    y.set(data.subarray(s + 1, s + blockSize + 1), b * blockSize)
  }
  return [Tensor.fromArray(x, [batchSize, blockSize], 'int32'), Tensor.fromArray(y, [batchSize, blockSize], 'int32')]
}
