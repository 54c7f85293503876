// softmax and logSoftmax over one dim, computed stably (max subtracted) by a
// row-wise kernel, with their own backward rules.
import { recordFused } from '../autograd/fused.js'
import { needsGrad } from '../autograd/node.js'
import { getBackend, type RowwiseKernels } from '../backend/backend.js'
import { isFloat, type FloatArray } from '../dtype.js'
import { normalizeDim } from '../shape.js'
import { Tensor } from '../tensor.js'
import { assertTensor } from './util.js'

/** Runs a row-wise kernel along `dim`: moves dim last (a view), makes it contiguous, runs, moves back. */
function alongDim(x: Tensor, dim: number, run: (src: FloatArray, out: FloatArray, rows: number, cols: number) => void): Tensor {
  const last = x.ndim - 1
  const moved = dim === last ? x : x.detach().transpose(dim, last) // layout only: no graph node
  const src = (moved.dtype === x.dtype && isFloat(x.dtype) ? moved : moved.to('float32')).contiguousData() as FloatArray
  const out = Tensor.empty(moved.shape, isFloat(x.dtype) ? x.dtype : 'float32')
  const cols = moved.shape[last]
  run(src, out.storage.data as FloatArray, cols === 0 ? 0 : out.numel() / cols, cols)
  return dim === last ? out : out.transpose(dim, last).detach()
}

function rowwiseBackward(kernel: keyof RowwiseKernels, y: Tensor, g: Tensor, dim: number): Tensor {
  const last = y.ndim - 1
  const ym = (dim === last ? y : y.transpose(dim, last)).contiguousData() as FloatArray
  const gm = (dim === last ? g : g.transpose(dim, last)).contiguous().to(y.dtype).contiguousData() as FloatArray
  const out = Tensor.empty(dim === last ? y.shape : y.transpose(dim, last).shape, y.dtype)
  const cols = y.shape[dim]
  ;(getBackend()[kernel] as (a: FloatArray, b: FloatArray, c: FloatArray, r: number, c2: number) => void)(ym, gm, out.storage.data as FloatArray, cols === 0 ? 0 : out.numel() / cols, cols)
  return dim === last ? out : out.transpose(dim, last)
}

export function softmax(x: Tensor, dim: number): Tensor {
  assertTensor('softmax', x)
  if (x.ndim === 0) return softmax(x.reshape([1]), 0).reshape([])
  const d = normalizeDim('softmax', dim, x.ndim)
  const out = alongDim(x, d, (s, o, r, c) => getBackend().softmax(s, o, r, c))
  if (isFloat(x.dtype) && needsGrad(x)) {
    // d softmax: gx = y (g - sum(g y)); the row kernel, or composed when a graph of the backward is built
    recordFused('softmax', out, [x], {
      kernel: (g) => [rowwiseBackward('softmaxBackward', out, g, d)],
      composed: (g) => [out.mul(g.sub(g.mul(out).sum(d, true)))],
    }, [out])
  }
  return out
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  assertTensor('logSoftmax', x)
  if (x.ndim === 0) return logSoftmax(x.reshape([1]), 0).reshape([])
  const d = normalizeDim('logSoftmax', dim, x.ndim)
  const out = alongDim(x, d, (s, o, r, c) => getBackend().logSoftmax(s, o, r, c))
  if (isFloat(x.dtype) && needsGrad(x)) {
    // d logSoftmax: gx = g - softmax(x) sum(g)
    recordFused('logSoftmax', out, [x], {
      kernel: (g) => [rowwiseBackward('logSoftmaxBackward', out, g, d)],
      composed: (g) => [g.sub(out.exp().mul(g.sum(d, true)))],
    }, [out])
  }
  return out
}
