// matmul with PyTorch's semantics (dot, matrix-vector, batched with broadcast
// batch dims) on top of one batched, strided gemm kernel; and linear.
import { needsGrad, record } from '../autograd/node.js'
import { getBackend } from '../backend/backend.js'
import { isFloat, promoteTypes, type FloatArray } from '../dtype.js'
import { DTypeError, ShapeError, fmtShape } from '../errors.js'
import { broadcastShapes, numel } from '../shape.js'
import { Tensor } from '../tensor.js'
import { assertTensor } from './util.js'

/** One stride that walks all batch dims of a view, or null when they do not collapse. */
function batchStride(shape: readonly number[], strides: readonly number[]): number | null {
  let s: number | null = null
  let expect = 0
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue
    if (s === null) { s = strides[d]; expect = strides[d] * shape[d]; continue }
    if (strides[d] !== expect) return null
    expect = strides[d] * shape[d]
  }
  return s ?? 0
}

/** Batched product of >= 2-D tensors: [...batch, m, k] @ [...batch, k, n] with broadcast batch dims. */
function bmm(a: Tensor, b: Tensor): Tensor {
  const m = a.shape[a.ndim - 2], k = a.shape[a.ndim - 1], k2 = b.shape[b.ndim - 2], n = b.shape[b.ndim - 1]
  if (k !== k2) throw new ShapeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${k} != ${k2})`)
  const batchShape = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2))
  const dtype = promoteTypes(a.dtype, b.dtype)
  if (!isFloat(dtype)) throw new DTypeError(`matmul: expected floating-point tensors, got ${a.dtype} and ${b.dtype}`)
  const out = Tensor.empty([...batchShape, m, n], dtype)
  const batch = numel(batchShape)
  const prep = (t: Tensor, rows: number, cols: number) => {
    let v = t.dtype === dtype ? t : t.to(dtype)
    v = v.expand([...batchShape, rows, cols])
    let bs = batchStride(batchShape, v.strides.slice(0, -2))
    if (bs === null) { v = v.contiguous(); bs = rows * cols }
    return { v, bs }
  }
  const A = prep(a.detach(), m, k), B = prep(b.detach(), k, n)
  // [B, m, k] @ [k, n] with A's rows contiguous across the batch: one big gemm with m' = B*m.
  const fold = batch > 1 && B.bs === 0 && A.bs === m * A.v.strides[A.v.ndim - 2]
  getBackend().gemm({
    batch: fold ? 1 : batch, m: fold ? batch * m : m, n, k, alpha: 1, beta: 0,
    a: A.v.storage.data as FloatArray, aOffset: A.v.offset, aBatchStride: A.bs, aRowStride: A.v.strides[A.v.ndim - 2], aColStride: A.v.strides[A.v.ndim - 1],
    b: B.v.storage.data as FloatArray, bOffset: B.v.offset, bBatchStride: B.bs, bRowStride: B.v.strides[B.v.ndim - 2], bColStride: B.v.strides[B.v.ndim - 1],
    c: out.storage.data as FloatArray, cOffset: 0, cBatchStride: m * n, cRowStride: n,
  })
  if (needsGrad(a, b)) {
    // d(A B) = (g B^T, A^T g); broadcast batch dims are summed back by the engine.
    record('matmul', out, [a, b], (g) => [
      a.requiresGrad ? g.matmul(b.transpose(-1, -2)) : null,
      b.requiresGrad ? (b.ndim === 2 && a.ndim > 2 ? a.reshape([-1, k]).transpose(0, 1).matmul(g.reshape([-1, n])) : a.transpose(-1, -2).matmul(g)) : null,
    ], [a, b])
  }
  return out
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  assertTensor('matmul', a)
  assertTensor('matmul', b, 'other')
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError(`matmul: both arguments need at least 1 dim, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`)
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0]) throw new ShapeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${a.shape[0]} != ${b.shape[0]})`)
    return bmm(a.unsqueeze(0), b.unsqueeze(1)).reshape([])
  }
  if (a.ndim === 1) return bmm(a.unsqueeze(0), b).squeeze(-2)
  if (b.ndim === 1) return bmm(a, b.unsqueeze(1)).squeeze(-1)
  return bmm(a, b)
}

/** linear's checked operands: x (contiguous) and W in the promoted float dtype, and the sizes. */
export interface LinearOperands {
  dtype: 'float32' | 'float64'
  xc: Tensor
  w: Tensor
  rows: number
  inF: number
  outF: number
  outShape: number[]
}

/** Checks linear's arguments (named as `op` in errors) and prepares its operands. */
export function linearOperands(op: string, x: Tensor, weight: Tensor, bias?: Tensor | null): LinearOperands {
  assertTensor(op, x)
  assertTensor(op, weight, 'weight')
  if (weight.ndim !== 2) throw new ShapeError(`${op}: weight must be 2-D [out, in], got ${fmtShape(weight.shape)}`)
  const [outF, inF] = weight.shape
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) throw new ShapeError(`${op}: input of shape ${fmtShape(x.shape)} does not match weight ${fmtShape(weight.shape)} (${x.shape[x.ndim - 1]} != ${inF})`)
  if (bias !== null && bias !== undefined) assertTensor(op, bias, 'bias')
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) throw new ShapeError(`${op}: bias must have shape [${outF}], got ${fmtShape(bias.shape)}`)
  const dtype = [x, weight, ...(bias ? [bias] : [])].reduce((d, t) => promoteTypes(d, t.dtype), x.dtype)
  if (!isFloat(dtype)) throw new DTypeError(`${op}: expected floating-point tensors, got ${x.dtype} and ${weight.dtype}`)
  const xc = (x.dtype === dtype ? x : x.to(dtype)).detach().contiguous()
  const w = weight.dtype === dtype ? weight.detach() : weight.detach().to(dtype)
  return { dtype: dtype as 'float32' | 'float64', xc, w, rows: numel(x.shape.slice(0, -1)), inF, outF, outShape: [...x.shape.slice(0, -1), outF] }
}

/** c (rows x outF, contiguous) = x W^T, plus c's old contents when accumulate. */
export function linearProduct(o: LinearOperands, c: FloatArray, accumulate: boolean): void {
  getBackend().gemm({
    batch: 1, m: o.rows, n: o.outF, k: o.inF, alpha: 1, beta: accumulate ? 1 : 0,
    a: o.xc.storage.data as FloatArray, aOffset: o.xc.offset, aBatchStride: 0, aRowStride: o.inF, aColStride: 1,
    b: o.w.storage.data as FloatArray, bOffset: o.w.offset, bBatchStride: 0, bRowStride: o.w.strides[1], bColStride: o.w.strides[0],
    c, cOffset: 0, cBatchStride: 0, cRowStride: o.outF,
  })
}

/** The input and weight gradients of y = x W^T from gy (the pre-activation's gradient): (gy W, gy^T x in W's layout). */
export function linearInputGrads(gy: Tensor, x: Tensor, weight: Tensor): [Tensor | null, Tensor | null] {
  const outF = weight.shape[0], inF = weight.shape[1], rows = numel(x.shape.slice(0, -1)) // not -1: a size-0 dim leaves it open
  return [
    x.requiresGrad ? gy.matmul(weight) : null,
    weight.requiresGrad ? gy.reshape([rows, outF]).t().matmul(x.reshape([rows, inF])) : null,
  ]
}

/**
 * y = x W^T + b, W of shape [out, in] (PyTorch's layout), as one node: the bias is
 * written into y first and the product accumulated onto it (gemm with beta = 1),
 * and the weight's gradient is computed directly in W's [out, in] layout.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const o = linearOperands('linear', x, weight, bias)
  const out = Tensor.empty(o.outShape, o.dtype)
  const yd = out.storage.data as FloatArray
  if (bias && o.rows > 0) {
    const bd = bias.dtype === o.dtype ? bias.contiguousData() : bias.to(o.dtype).contiguousData()
    // the bias in every row, by doubling the filled rows (~10 copies instead of one per row)
    yd.set(bd, 0)
    const n = o.rows * o.outF
    for (let filled = o.outF; filled < n; filled *= 2) yd.copyWithin(filled, 0, Math.min(filled, n - filled))
  }
  linearProduct(o, yd, !!bias)
  if (needsGrad(x, weight, bias)) {
    // d(x W^T + b) = (g W, g^T x in W's layout, g summed over the rows)
    record('linear', out, [x, weight, bias], (g) => [...linearInputGrads(g, x, weight), bias?.requiresGrad ? g.reshape([o.rows, o.outF]).sum(0) : null], [x, weight])
  }
  return out
}
