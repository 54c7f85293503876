// Token streams for language modelling. Batches themselves come from
// @adjoint/nn's getBatch (nanoGPT's random windows); this checks streams first
// so that a too-short text gets a DataError that says what to do.
import type { TokenIds } from '@adjoint/nn'
import { DataError } from '../errors.js'

/** Token ids as an Int32Array (what batches and checkpoints use). */
export function toIds(ids: ArrayLike<number>): Int32Array {
  return ids instanceof Int32Array ? ids : Int32Array.from(ids)
}

/** Checks the stream holds at least one window of blockSize + 1 tokens. */
export function checkStream(name: string, data: TokenIds, blockSize: number): void {
  if (data.length < blockSize + 1) throw new DataError(`the ${name} text has ${data.length} tokens, fewer than one block of ${blockSize} + 1: use a longer text or a smaller --block`)
}
