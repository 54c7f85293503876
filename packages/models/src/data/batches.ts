// Random [batch, block] windows of a token stream: x = tokens[i .. i+T), y = tokens[i+1 .. i+T+1).
import { Generator, Tensor } from '@adjoint/core'
import { DataError } from '../errors.js'

export interface Batch {
  x: Tensor
  y: Tensor
}

/** Token ids as an Int32Array (what batches and checkpoints store). */
export function toIds(ids: ArrayLike<number>): Int32Array {
  return ids instanceof Int32Array ? ids : Int32Array.from(ids)
}

/** Checks the stream holds at least one window of blockSize + 1 tokens. */
export function checkStream(name: string, data: Int32Array, blockSize: number): void {
  if (data.length < blockSize + 1) throw new DataError(`${name} data has ${data.length} tokens, fewer than one block of ${blockSize} + 1: use a longer text or a smaller --block`)
}

/** nanoGPT's get_batch: batch random offsets drawn from gen. */
export function getBatch(data: Int32Array, batch: number, block: number, gen: Generator): Batch {
  checkStream('the', data, block)
  const x = new Int32Array(batch * block), y = new Int32Array(batch * block)
  const hi = data.length - block
  for (let b = 0; b < batch; b++) {
    const i = gen.int(0, hi)
    x.set(data.subarray(i, i + block), b * block)
    y.set(data.subarray(i + 1, i + 1 + block), b * block)
  }
  return { x: Tensor.fromArray(x, [batch, block], 'int32'), y: Tensor.fromArray(y, [batch, block], 'int32') }
}
