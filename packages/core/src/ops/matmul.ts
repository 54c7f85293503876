// matmul with PyTorch's semantics (dot, matrix-vector, batched with broadcast
// batch dims) on top of one batched, strided gemm kernel; and linear.
import { needsGrad, record } from '../autograd/node.js'
import { getBackend } from '../backend/backend.js'
import { isFloat, promoteTypes, type FloatArray } from '../dtype.js'
import { DTypeError, ShapeError, fmtShape } from '../errors.js'
import { Layout } from '../layout.js'
import { broadcastShapes, numel } from '../shape.js'
import { Tensor } from '../tensor.js'
import { assertTensor } from './util.js'

/** Batched product of >= 2-D tensors: [...batch, m, k] @ [...batch, k, n] with broadcast batch dims. */
function bmm(a: Tensor, b: Tensor): Tensor {
  const m = a.shape[a.ndim - 2], k = a.shape[a.ndim - 1], k2 = b.shape[b.ndim - 2], n = b.shape[b.ndim - 1]
  if (k !== k2) throw new ShapeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${k} != ${k2})`)
  const batchShape = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2))
  const dtype = promoteTypes(a.dtype, b.dtype)
  if (!isFloat(dtype)) throw new DTypeError(`matmul: expected floating-point tensors, got ${a.dtype} and ${b.dtype}`)
  const out = Tensor.empty([...batchShape, m, n], dtype)
  const batch = numel(batchShape)
  // the operands read in place through their layouts, broadcast batch dims as stride 0
  const A = (a.dtype === dtype ? a : a.to(dtype)).detach().expand([...batchShape, m, k])
  const B = (b.dtype === dtype ? b : b.to(dtype)).detach().expand([...batchShape, k, n])
  let aL = A.layout, bL = B.layout, cL = out.layout
  // [batch..., m, k] @ [k, n] (B shared by the batch) with A's rows one run: one product of batch * m rows
  const flatA = batch > 1 && B.strides.every((s, d) => d >= B.ndim - 2 || s === 0) ? aL.view([batch * m, k]) : null
  if (flatA !== null) {
    aL = flatA
    bL = new Layout([k, n], B.strides.slice(-2), bL.offset)
    cL = Layout.contiguous([batch * m, n])
  }
  getBackend().gemm(A.storage.data as FloatArray, aL, B.storage.data as FloatArray, bL, out.storage.data as FloatArray, cL, 1, 0)
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
  const dtype = bias ? promoteTypes(promoteTypes(x.dtype, weight.dtype), bias.dtype) : promoteTypes(x.dtype, weight.dtype)
  if (!isFloat(dtype)) throw new DTypeError(`${op}: expected floating-point tensors, got ${x.dtype} and ${weight.dtype}`)
  // only storage, offset and strides are read: a conversion or copy is made detached (no node), else the tensor itself
  const xd = x.dtype === dtype ? x : x.detach().to(dtype)
  const xc = xd.isContiguous() ? xd : xd.detach().contiguous()
  const w = weight.dtype === dtype ? weight : weight.detach().to(dtype)
  const outShape = x.shape.slice()
  outShape[outShape.length - 1] = outF
  let rows = 1
  for (let d = 0; d < x.ndim - 1; d++) rows *= x.shape[d]
  return { dtype: dtype as 'float32' | 'float64', xc, w, rows, inF, outF, outShape }
}

/** c (rows x outF, contiguous) = x W^T, plus c's old contents when accumulate. */
export function linearProduct(o: LinearOperands, c: FloatArray, accumulate: boolean): void {
  // x [rows, in] (contiguous) @ W^T [in, out] (W's strides swapped) into c [rows, out]
  const w = o.w.layout
  getBackend().gemm(
    o.xc.storage.data as FloatArray, new Layout([o.rows, o.inF], [o.inF, 1], o.xc.offset),
    o.w.storage.data as FloatArray, new Layout([o.inF, o.outF], [w.strides[1], w.strides[0]], w.offset),
    c, Layout.contiguous([o.rows, o.outF]), 1, accumulate ? 1 : 0)
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
