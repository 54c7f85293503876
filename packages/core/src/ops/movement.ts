// Shape ops. All but cat/contiguous/clone are views: they share storage and copy nothing.
import { needsGrad, record } from '../autograd/node.js'
import { getBackend } from '../backend/backend.js'
import { IndexError, ShapeError, ValueError, fmtShape } from '../errors.js'
import { promoteTypes } from '../dtype.js'
import type { Layout } from '../layout.js'
import { normalizeDim, numel } from '../shape.js'
import { Tensor } from '../tensor.js'
import { assertTensor, contiguousCopy } from './util.js'

/** A differentiable view: same storage, new layout. */
function makeView(op: string, x: Tensor, layout: Layout, backward: (g: Tensor) => Tensor): Tensor {
  const out = x.view_(layout)
  if (needsGrad(x)) record(op, out, [x], (g) => [backward(g)]).gradFn!.viewOf = x
  return out
}

/** -1 in a requested shape is inferred from the element count. */
function inferShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const n = x.numel()
  const out = [...shape]
  const neg = out.indexOf(-1)
  if (neg !== out.lastIndexOf(-1)) throw new ShapeError(`${op}: only one dim can be -1, got ${fmtShape(shape)}`)
  for (const s of out) if (!Number.isInteger(s) || s < -1) throw new ShapeError(`${op}: invalid size in ${fmtShape(shape)}`)
  if (neg >= 0) {
    const rest = numel(out.filter((_, i) => i !== neg))
    if (rest === 0 || n % rest !== 0) throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${n} (shape ${fmtShape(x.shape)})`)
    out[neg] = n / rest
  }
  if (numel(out) !== n) throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${n} (shape ${fmtShape(x.shape)})`)
  return out
}

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor('reshape', x)
  const target = inferShape('reshape', x, shape)
  const layout = x.layout.view(target)
  if (layout === null) return reshape(contiguous(x), target)
  const inShape = x.shape
  return makeView('reshape', x, layout, (g) => g.reshape(inShape)) // d reshape = reshape back
}

/** Like reshape, but never copies: throws when the layout does not allow a view. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor('view', x)
  const target = inferShape('view', x, shape)
  const layout = x.layout.view(target)
  if (layout === null) throw new ShapeError(`view: shape ${fmtShape(target)} is not compatible with the input's layout (shape ${fmtShape(x.shape)}, strides ${fmtShape(x.strides)}); use reshape (which copies)`)
  const inShape = x.shape
  return makeView('view', x, layout, (g) => g.reshape(inShape))
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  assertTensor('permute', x)
  if (dims.length !== x.ndim) throw new ShapeError(`permute: got ${dims.length} dims ${fmtShape(dims)} for a tensor of ${x.ndim} dims`)
  const d = dims.map((v) => normalizeDim('permute', v, x.ndim))
  if (new Set(d).size !== d.length) throw new ValueError(`permute: dims ${fmtShape(dims)} repeat a dim`)
  const inverse = new Array<number>(d.length)
  d.forEach((v, i) => { inverse[v] = i })
  return makeView('permute', x, x.layout.permute(d), (g) => g.permute(inverse)) // d permute = inverse permute
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  assertTensor('transpose', x)
  const a = normalizeDim('transpose', dim0, x.ndim), b = normalizeDim('transpose', dim1, x.ndim)
  const dims = Array.from({ length: x.ndim }, (_, i) => i)
  dims[a] = b
  dims[b] = a
  return x.ndim === 0 ? x : permute(x, dims)
}

/** Broadcasts size-1 dims (and new leading dims) to `shape` without copying (stride 0). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor('expand', x)
  if (shape.length < x.ndim) throw new ShapeError(`expand: the target shape ${fmtShape(shape)} has fewer dims than the input ${fmtShape(x.shape)}`)
  const lead = shape.length - x.ndim
  const outShape = new Array<number>(shape.length)
  for (let i = 0; i < shape.length; i++) {
    const want = shape[i]
    if (i < lead) {
      if (want < 0) throw new ShapeError(`expand: -1 is not allowed for the new leading dim ${i} in ${fmtShape(shape)}`)
      outShape[i] = want
      continue
    }
    const have = x.shape[i - lead]
    if (want === -1 || want === have) outShape[i] = have
    else if (have === 1) outShape[i] = want
    else throw new ShapeError(`expand: cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(shape)} (dim ${i}: ${have} is not 1)`)
  }
  if (outShape.every((s, i) => s === x.shape[i - lead]) && lead === 0) return x
  return makeView('expand', x, x.layout.expand(outShape), (g) => g) // d expand = sum over the broadcast dims (done by the engine)
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  assertTensor('unsqueeze', x)
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1)
  const inShape = x.shape
  return makeView('unsqueeze', x, x.layout.unsqueeze(d), (g) => g.reshape(inShape))
}

/** Removes size-1 dims (all, or the given ones; a given dim that is not 1 is left alone, as in PyTorch). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  assertTensor('squeeze', x)
  const dims = dim === undefined ? null : new Set((typeof dim === 'number' ? [dim] : dim).map((d) => normalizeDim('squeeze', d, x.ndim)))
  const keep = x.shape.map((s, i) => !(s === 1 && (dims === null || dims.has(i))))
  if (keep.every(Boolean)) return x
  const inShape = x.shape
  return makeView('squeeze', x, x.layout.select(keep), (g) => g.reshape(inShape))
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  assertTensor('flatten', x)
  if (x.ndim === 0) return reshape(x, [1])
  const s = normalizeDim('flatten', startDim, x.ndim), e = normalizeDim('flatten', endDim, x.ndim)
  if (s > e) throw new ValueError(`flatten: startDim ${startDim} comes after endDim ${endDim}`)
  return reshape(x, [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)])
}

export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  assertTensor('unflatten', x)
  const d = normalizeDim('unflatten', dim, x.ndim)
  const sub = inferShape('unflatten', Tensor.zeros([x.shape[d]], 'bool'), sizes)
  return reshape(x, [...x.shape.slice(0, d), ...sub, ...x.shape.slice(d + 1)])
}

/** Elements start, start+step, ... (< end) along dim; negative start/end count from the end. */
export function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  assertTensor('slice', x)
  const d = normalizeDim('slice', dim, x.ndim)
  const n = x.shape[d]
  if (!Number.isInteger(step) || step <= 0) throw new ValueError(`slice: step must be a positive integer, got ${step}`)
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n)
  const s = clampIdx(start), e = Math.max(clampIdx(end ?? n), s)
  const len = Math.ceil((e - s) / step)
  const inShape = x.shape
  return makeView('slice', x, x.layout.slice(d, s, len, step), (g) => sliceBackward(g, inShape, d, s, step)) // d slice = zeros with g scattered back
}

/** The adjoint of slice: a zero tensor of `shape` with g written at the sliced positions. */
export function sliceBackward(g: Tensor, shape: readonly number[], dim: number, start: number, step: number): Tensor {
  const out = Tensor.zeros(shape, g.dtype)
  getBackend().copy(g.storage.data, g.layout, out.storage.data, out.layout.slice(dim, start, g.shape[dim], step))
  if (needsGrad(g)) record('sliceBackward', out, [g], (gg) => [slice(gg, dim, start, start + (g.shape[dim] - 1) * step + 1, step)])
  return out
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  assertTensor('narrow', x)
  const d = normalizeDim('narrow', dim, x.ndim)
  const s = start < 0 ? start + x.shape[d] : start
  if (s < 0 || length < 0 || s + length > x.shape[d]) throw new IndexError(`narrow: start ${start} and length ${length} out of range for dim ${dim} of size ${x.shape[d]}`)
  return slice(x, d, s, s + length)
}

/** Splits into pieces of `size` (the last may be smaller), or of the given sizes. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  assertTensor('split', x)
  const d = normalizeDim('split', dim, x.ndim)
  const n = x.shape[d]
  let sizes: number[]
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) throw new ValueError(`split: size must be a positive integer, got ${sizeOrSections}`)
    sizes = []
    for (let i = 0; i < n; i += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - i))
  } else {
    sizes = [...sizeOrSections]
    if (sizes.reduce((a, b) => a + b, 0) !== n) throw new ShapeError(`split: sizes ${fmtShape(sizes)} do not add up to ${n} (dim ${dim} of ${fmtShape(x.shape)})`)
  }
  const out: Tensor[] = []
  let start = 0
  for (const s of sizes) { out.push(slice(x, d, start, start + s)); start += s }
  return out
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  assertTensor('chunk', x)
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ValueError(`chunk: chunks must be a positive integer, got ${chunks}`)
  const d = normalizeDim('chunk', dim, x.ndim)
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d)
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError('cat: expected a non-empty array of tensors')
  for (const t of tensors as unknown[]) assertTensor('cat', t)
  const first = tensors[0]
  const d = normalizeDim('cat', dim, first.ndim)
  const dtype = tensors.reduce((acc, t) => promoteTypes(acc, t.dtype), first.dtype)
  let total = 0
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s: number, i: number) => i !== d && s !== first.shape[i])) {
      throw new ShapeError(`cat: shapes ${tensors.map((u) => fmtShape(u.shape)).join(', ')} differ outside dim ${dim}`)
    }
    total += t.shape[d]
  }
  const shape = [...first.shape]
  shape[d] = total
  const out = Tensor.empty(shape, dtype)
  let start = 0
  for (const t of tensors) {
    getBackend().copy(t.storage.data, t.layout, out.storage.data, out.layout.slice(d, start, t.shape[d]))
    start += t.shape[d]
  }
  if (needsGrad(...tensors)) {
    const sizes = tensors.map((t) => t.shape[d])
    record('cat', out, tensors, (g) => split(g, sizes, d)) // d cat = the gradient split back into pieces
  }
  return out
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError('stack: expected a non-empty array of tensors')
  for (const t of tensors as unknown[]) assertTensor('stack', t)
  const shape = tensors[0].shape
  for (const t of tensors) if (t.ndim !== shape.length || t.shape.some((s: number, i: number) => s !== shape[i])) throw new ShapeError(`stack: all tensors must have the same shape, got ${tensors.map((u) => fmtShape(u.shape)).join(', ')}`)
  const d = normalizeDim('stack', dim, shape.length + 1)
  return cat(tensors.map((t) => unsqueeze(t, d)), d)
}

/** This tensor if already contiguous, else a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  assertTensor('contiguous', x)
  return x.isContiguous() ? x : clone(x)
}

/** A contiguous copy that owns its memory; the gradient passes through. */
export function clone(x: Tensor): Tensor {
  assertTensor('clone', x)
  const out = contiguousCopy(x)
  if (needsGrad(x)) record('clone', out, [x], (g) => [g])
  return out
}
