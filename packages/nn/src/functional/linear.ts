// linear, embedding (with a padding row that gets no gradient) and oneHot.
import { DTypeError, IndexError, ShapeError, Tensor, ValueError, embedding as coreEmbedding, indexAdd, linear as coreLinear, linearGelu as coreLinearGelu, needsGrad, type LinearGeluOptions, noGrad, record, zeros, fmtShape } from '@adjoint/core'
import { assertTensor } from './util.js'

/** y = x W^T + b, W of shape [out, in]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return coreLinear(x, weight, bias)
}

/** gelu(x W^T + b) as one fused op (core's linearGelu): a feed-forward layer's up-projection and activation. */
export function linearGelu(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: LinearGeluOptions = {}): Tensor {
  return coreLinearGelu(x, weight, bias, opts)
}

export interface EmbeddingOptions {
  /** Row whose gradient is always zero (e.g. a padding token); negative counts from the end. */
  paddingIdx?: number | null
}

/** Rows of weight [num, dim] for each int32 id of input: shape [...input.shape, dim]. */
export function embedding(input: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  assertTensor('embedding', input)
  assertTensor('embedding', weight, 'weight')
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-D [num, dim], got ${fmtShape(weight.shape)}`)
  const pad = normalizePaddingIdx('embedding', opts.paddingIdx, weight.shape[0])
  if (pad === null) return coreEmbedding(weight, input)
  const out = noGrad(() => coreEmbedding(weight, input))
  if (needsGrad(weight)) {
    const idx = input.reshape([-1])
    const keep = idx.ne(pad).unsqueeze(1).to(weight.dtype)
    const [num, dim] = weight.shape
    // d weight = index-add of g's rows at their ids, except the padding row's
    record('embedding', out, [weight], (g) => [indexAdd(zeros([num, dim], { dtype: g.dtype }), 0, idx, g.reshape([-1, dim]).mul(keep))])
  }
  return out
}

export function normalizePaddingIdx(op: string, paddingIdx: number | null | undefined, num: number): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null
  if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num) throw new IndexError(`${op}: paddingIdx ${paddingIdx} out of range for ${num} embeddings`)
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx
}

/** int32 one-hot encoding: [...t.shape, numClasses]; numClasses -1 means max(t) + 1. */
export function oneHot(t: Tensor, numClasses = -1): Tensor {
  assertTensor('oneHot', t)
  if (t.dtype !== 'int32') throw new DTypeError(`oneHot: expected an int32 tensor of class indices, got ${t.dtype}`)
  const ids = t.contiguousData()
  let c = numClasses
  if (c === -1) {
    c = 0
    for (let i = 0; i < ids.length; i++) c = Math.max(c, ids[i] + 1)
  } else if (!Number.isInteger(c) || c < 0) throw new ValueError(`oneHot: numClasses must be a non-negative integer or -1, got ${numClasses}`)
  const out = Tensor.zeros([...t.shape, c], 'int32')
  const o = out.storage.data
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]
    if (v < 0 || v >= c) throw new IndexError(`oneHot: class index ${v} out of range for ${c} classes`)
    o[i * c + v] = 1
  }
  return out
}
