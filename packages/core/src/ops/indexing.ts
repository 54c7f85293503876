// Indexing ops: gather/scatterAdd and indexSelect/indexAdd are each other's
// adjoints, so each backward is the other op (and higher orders come free).
import { needsGrad, record } from '../autograd/node.js'
import { getBackend } from '../backend/backend.js'
import { isFloat } from '../dtype.js'
import { IndexError, ShapeError, fmtShape } from '../errors.js'
import { normalizeDim, numel } from '../shape.js'
import { Tensor } from '../tensor.js'
import { assertTensor, contiguousCopy, indexData } from './util.js'

function checkRange(op: string, idx: Int32Array, size: number, what: string): void {
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]
    if (v < 0 || v >= size) throw new IndexError(`${op}: index ${v} out of range for ${size} ${what}`)
  }
}

/** out[..., j, ...] = x[..., index[..., j, ...], ...] along dim (index has x's number of dims). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  assertTensor('gather', x)
  assertTensor('gather', index, 'index')
  const d = normalizeDim('gather', dim, x.ndim)
  if (index.ndim !== x.ndim) throw new ShapeError(`gather: index must have as many dims as the input (${x.ndim}), got shape ${fmtShape(index.shape)}`)
  for (let i = 0; i < x.ndim; i++) if (i !== d && index.shape[i] > x.shape[i]) throw new ShapeError(`gather: index shape ${fmtShape(index.shape)} exceeds input shape ${fmtShape(x.shape)} at dim ${i}`)
  const idx = indexData('gather', index)
  checkRange('gather', idx, x.shape[d], `entries along dim ${d}`)
  const out = Tensor.empty(index.shape, x.dtype)
  getBackend().gather(x.storage.data, x.layout, idx, index.shape, d, out.storage.data)
  if (isFloat(x.dtype) && needsGrad(x)) {
    const shape = x.shape
    record('gather', out, [x], (g) => [scatterAdd(Tensor.zeros(shape, g.dtype), d, index, g)]) // d gather = scatter-add of g
  }
  return out
}

/** A copy of x with src added at the positions index names along dim. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  assertTensor('scatterAdd', x)
  assertTensor('scatterAdd', index, 'index')
  assertTensor('scatterAdd', src, 'src')
  const d = normalizeDim('scatterAdd', dim, x.ndim)
  if (index.ndim !== x.ndim || src.ndim !== index.ndim || src.shape.some((v, i) => v !== index.shape[i])) {
    throw new ShapeError(`scatterAdd: index ${fmtShape(index.shape)} and src ${fmtShape(src.shape)} must have the same shape, with as many dims as the input ${fmtShape(x.shape)}`)
  }
  for (let i = 0; i < x.ndim; i++) if (i !== d && index.shape[i] > x.shape[i]) throw new ShapeError(`scatterAdd: index shape ${fmtShape(index.shape)} exceeds the input ${fmtShape(x.shape)} at dim ${i}`)
  const idx = indexData('scatterAdd', index)
  checkRange('scatterAdd', idx, x.shape[d], `entries along dim ${d}`)
  const out = contiguousCopy(x)
  getBackend().scatterAdd(src.contiguousData(), idx, index.shape, d, out.storage.data, out.layout)
  if (isFloat(out.dtype) && needsGrad(x, src)) {
    // d scatterAdd = (g, g gathered at index)
    record('scatterAdd', out, [x, src], (g) => [g, src.requiresGrad ? gather(g, d, index) : null])
  }
  return out
}

/** Rows (slices along dim) of x picked by a 1-D int32 index. */
export function indexSelect(x: Tensor, dim: number, index: Tensor, op = 'indexSelect'): Tensor {
  assertTensor(op, x)
  assertTensor(op, index, 'index')
  const d = normalizeDim(op, dim, x.ndim)
  if (index.ndim > 1) throw new ShapeError(`${op}: index must be 1-D, got shape ${fmtShape(index.shape)}`)
  const idx = indexData(op, index)
  checkRange(op, idx, x.shape[d], op === 'embedding' ? 'rows' : `entries along dim ${d}`)
  const outer = numel(x.shape.slice(0, d)), inner = numel(x.shape.slice(d + 1))
  const shape = [...x.shape]
  shape[d] = idx.length
  const out = Tensor.empty(shape, x.dtype)
  getBackend().indexSelect(x.contiguousData(), out.storage.data, outer, x.shape[d], inner, idx)
  if (isFloat(x.dtype) && needsGrad(x)) {
    const xs = x.shape
    record(op, out, [x], (g) => [indexAdd(Tensor.zeros(xs, g.dtype), d, index, g)]) // d indexSelect = index-add of g
  }
  return out
}

/** A copy of x with src's slices added at the rows index names along dim. */
export function indexAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  assertTensor('indexAdd', x)
  const d = normalizeDim('indexAdd', dim, x.ndim)
  const idx = indexData('indexAdd', index)
  const expected = [...x.shape]
  expected[d] = idx.length
  if (src.ndim !== x.ndim || src.shape.some((s, i) => s !== expected[i])) throw new ShapeError(`indexAdd: src must have shape ${fmtShape(expected)}, got ${fmtShape(src.shape)}`)
  checkRange('indexAdd', idx, x.shape[d], `entries along dim ${d}`)
  const out = contiguousCopy(x)
  getBackend().indexAdd(src.contiguousData(), out.storage.data, numel(x.shape.slice(0, d)), x.shape[d], numel(x.shape.slice(d + 1)), idx)
  if (isFloat(out.dtype) && needsGrad(x, src)) {
    record('indexAdd', out, [x, src], (g) => [g, src.requiresGrad ? indexSelect(g, d, index) : null]) // d indexAdd = (g, g's selected rows)
  }
  return out
}

/** Looks up rows of weight [num, dim] for every int32 id in index: result [...index.shape, dim]. */
export function embedding(weight: Tensor, index: Tensor): Tensor {
  assertTensor('embedding', weight, 'weight')
  assertTensor('embedding', index, 'index')
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-D [num, dim], got ${fmtShape(weight.shape)}`)
  const rows = indexSelect(weight, 0, index.reshape([-1]), 'embedding')
  return rows.reshape([...index.shape, weight.shape[1]])
}
