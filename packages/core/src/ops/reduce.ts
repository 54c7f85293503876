// Reductions over dims (a number, an array, or all), with keepdim.
import { needsGrad, record } from '../autograd/node.js'
import { getBackend, type ReduceOp } from '../backend/backend.js'
import { isFloat, type DType } from '../dtype.js'
import { ValueError, fmtShape } from '../errors.js'
import { normalizeDim, normalizeDims, numel } from '../shape.js'
import { Tensor } from '../tensor.js'
import { where } from './elementwise.js'
import { assertTensor } from './util.js'

export type Dims = number | readonly number[]

interface Plan {
  dims: number[]
  keepShape: number[] // output shape with reduced dims kept as 1
  outShape: number[]
}

function plan(op: string, x: Tensor, dim: Dims | undefined, keepdim: boolean): Plan {
  const dims = normalizeDims(op, dim, x.ndim)
  const keepShape = x.shape.map((s, i) => (dims.includes(i) ? 1 : s))
  const outShape = keepdim ? keepShape : x.shape.filter((_, i) => !dims.includes(i))
  return { dims, keepShape, outShape }
}

/** Runs a reduce kernel: reduced dims are moved last and made contiguous, then rows are reduced. */
function reduceForward(op: ReduceOp, x: Tensor, p: Plan, dtype: DType): Tensor {
  const rest = x.shape.map((_, i) => i).filter((i) => !p.dims.includes(i))
  const moved = x.detach().permute([...rest, ...p.dims]) // a layout change only: no graph node
  const r = numel(p.dims.map((d) => x.shape[d]))
  const outer = numel(rest.map((d) => x.shape[d]))
  const out = Tensor.empty(p.outShape, dtype)
  if (r === 0 && (op === 'max' || op === 'min' || op === 'argmax' || op === 'argmin')) {
    throw new ValueError(`${op}: cannot reduce over an empty dim (shape ${fmtShape(x.shape)}, dims ${fmtShape(p.dims)})`)
  }
  if (op === 'sum' && p.dims.length < x.ndim && p.dims.every((d, i) => d === i) && x.isContiguous()) {
    // leading dims of a contiguous tensor (a bias gradient: [B, T, C] -> [C]): whole rows added
    // in order (float64 sums, as the reduce kernel), without first copying a transpose
    getBackend().columnSums(x.storage.data, x.offset, out.storage.data, r, outer)
    return out
  }
  getBackend().reduce(op, moved.contiguousData(), out.storage.data, outer, r)
  return out
}

export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  assertTensor('sum', x)
  const p = plan('sum', x, dim, keepdim)
  const out = reduceForward('sum', x, p, isFloat(x.dtype) ? x.dtype : 'int32')
  if (needsGrad(x)) {
    const shape = x.shape
    record('sum', out, [x], (g) => [g.reshape(p.keepShape).expand(shape)]) // d sum = 1 for every element: broadcast g back
  }
  return out
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  assertTensor('mean', x)
  const p = plan('mean', x, dim, keepdim)
  const n = numel(p.dims.map((d) => x.shape[d]))
  const s = sum(isFloat(x.dtype) ? x : x.to('float32'), dim, keepdim)
  return s.div(n)
}

export function prod(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  assertTensor('prod', x)
  const p = plan('prod', x, dim, keepdim)
  const out = reduceForward('prod', x, p, isFloat(x.dtype) ? x.dtype : 'int32')
  if (needsGrad(x)) {
    // d prod / d x_i = prod_{j != i} x_j. Without zeros that is out / x_i; with zeros
    // (where dividing fails) it is the product over a copy of the slice whose i-th
    // entry is set to 1: O(R^2) memory for a slice of R elements, only paid then.
    record('prod', out, [x], (g) => {
      const gk = g.reshape(p.keepShape)
      if (!x.eq(0).amax().item()) return [gk.mul(out.reshape(p.keepShape)).div(x)]
      return [gk.mul(prodOfOthers(x, p.dims))]
    }, [x, out])
  }
  return out
}

/** For each element, the product of the other elements of its slice over `dims` (differentiable). */
function prodOfOthers(x: Tensor, dims: number[]): Tensor {
  const rest = x.shape.map((_, i) => i).filter((i) => !dims.includes(i))
  const perm = [...rest, ...dims]
  const moved = x.permute(perm)
  const R = numel(dims.map((d) => x.shape[d]))
  const rows = moved.reshape([...rest.map((d) => x.shape[d]), R])
  const eye = Tensor.zeros([R, R], 'bool')
  for (let i = 0; i < R; i++) eye.storage.data[i * R + i] = 1
  const others = where(eye, 1, rows.unsqueeze(-2).expand([...rows.shape.slice(0, -1), R, R])).prod(-1)
  const inverse = new Array<number>(perm.length)
  perm.forEach((v, i) => { inverse[v] = i })
  return others.reshape(moved.shape).permute(inverse)
}

/** amax/amin: the gradient is split evenly between tied extremes (PyTorch's rule). */
function extreme(op: 'amax' | 'amin', x: Tensor, dim: Dims | undefined, keepdim: boolean): Tensor {
  assertTensor(op, x)
  const p = plan(op, x, dim, keepdim)
  const out = reduceForward(op === 'amax' ? 'max' : 'min', x, p, x.dtype)
  if (isFloat(x.dtype) && needsGrad(x)) {
    record(op, out, [x], (g) => {
      const mask = x.eq(out.reshape(p.keepShape))
      return [g.reshape(p.keepShape).mul(mask).div(mask.sum(p.dims, true))]
    }, [x, out])
  }
  return out
}

export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extreme('amax', x, dim, keepdim)
}

export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extreme('amin', x, dim, keepdim)
}

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  assertTensor(op, x)
  if (dim === undefined) return reduceForward(op, x.reshape([-1]), plan(op, x.reshape([-1]), 0, false), 'int32').reshape(keepdim ? x.shape.map(() => 1) : [])
  return reduceForward(op, x, plan(op, x, normalizeDim(op, dim, x.ndim), keepdim), 'int32')
}

export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtreme('argmax', x, dim, keepdim)
}

export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtreme('argmin', x, dim, keepdim)
}

export interface ValuesIndices {
  values: Tensor
  indices: Tensor
}

/** max over dim: {values, indices}; the gradient flows to the selected element. */
function maxMinDim(op: 'max' | 'min', x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  const d = normalizeDim(op, dim, x.ndim)
  const indices = argExtreme(op === 'max' ? 'argmax' : 'argmin', x, d, true)
  const values = x.gather(d, indices) // gather's backward scatters g to the selected element
  return keepdim ? { values, indices } : { values: values.squeeze(d), indices: indices.squeeze(d) }
}

export function max(x: Tensor): Tensor
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? extreme('amax', x, undefined, false) : maxMinDim('max', x, dim, keepdim)
}

export function min(x: Tensor): Tensor
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? extreme('amin', x, undefined, false) : maxMinDim('min', x, dim, keepdim)
}

/** log(sum(exp(x))) computed stably: m + log(sum(exp(x - m))), m the (detached) max. */
export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  assertTensor('logsumexp', x)
  const p = plan('logsumexp', x, dim, keepdim)
  const m0 = amax(x.detach(), p.dims, true)
  const m = where(m0.isinf(), 0, m0)
  const out = x.sub(m).exp().sum(p.dims, true).log().add(m)
  return keepdim ? out : out.reshape(p.outShape)
}

export interface VarOptions {
  /** Bessel's correction: divide by N - correction (default 1, unbiased). */
  correction?: number
  keepdim?: boolean
}

export function variance(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  assertTensor('var', x)
  const correction = opts.correction ?? 1
  const p = plan('var', x, dim, opts.keepdim ?? false)
  const n = numel(p.dims.map((d) => x.shape[d]))
  const centered = x.sub(x.mean(p.dims, true))
  const out = centered.square().sum(p.dims, opts.keepdim ?? false).div(Math.max(n - correction, 0))
  return out
}

export function std(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  return variance(x, dim, opts).sqrt()
}
