// In-place ops write into the tensor's storage and bump its version counter,
// so a backward that saved the old values notices (instead of computing a wrong gradient).
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js'
import { getBackend } from '../backend/backend.js'
import { AutogradError, DTypeError, ShapeError, fmtShape } from '../errors.js'
import { broadcastShapes } from '../shape.js'
import { Tensor } from '../tensor.js'
import type { BinaryOp } from '../backend/backend.js'
import { canCast, isFloat } from '../dtype.js'
import { binaryOp } from './elementwise.js'
import { assertTensor, scalar, type TensorLike } from './util.js'

function checkWritable(op: string, x: Tensor): void {
  if (isGradEnabled() && x.requiresGrad) {
    throw new AutogradError(`${op}: a ${x.isLeaf ? 'leaf tensor' : 'tensor in the autograd graph'} that requires grad cannot be modified in place; use the out-of-place op, or wrap the update in noGrad() (as optimizers do)`)
  }
}

/**
 * Writes src (broadcast to x's shape) into x's memory. An arithmetic result must fit
 * x's dtype (never float into int32: PyTorch refuses int32.add_(1.5)); copy_ and fill_
 * convert anything (`convert`).
 */
function writeInto(op: string, x: Tensor, src: Tensor, convert = false): Tensor {
  if (!convert && !canCast(src.dtype, x.dtype)) throw new DTypeError(`${op}: the result's dtype ${src.dtype} cannot be written into a ${x.dtype} tensor`)
  const shape = broadcastShapes(op, x.shape, src.shape)
  if (shape.length !== x.ndim || shape.some((s, i) => s !== x.shape[i])) throw new ShapeError(`${op}: source of shape ${fmtShape(src.shape)} does not broadcast to the destination's shape ${fmtShape(x.shape)}`)
  const s = src.expand(x.shape).detach()
  getBackend().copy(s.storage.data, s.layout, x.storage.data, x.layout)
  x.storage.version++
  return x
}

function inplace(op: string, x: Tensor, compute: () => Tensor, convert = false): Tensor {
  assertTensor(op, x)
  checkWritable(op, x)
  return writeInto(op, x, noGrad(compute), convert)
}

/**
 * x = x op y computed straight into x's memory, when that gives the same result as
 * computing out of place and copying back: x a contiguous float tensor, y a number
 * or a tensor of x's dtype that broadcasts to x's shape and does not share x's memory.
 * Returns false (nothing done) otherwise.
 */
function binaryInto(op: BinaryOp, x: Tensor, y: TensorLike): boolean {
  if (!isFloat(x.dtype) || !x.isContiguous()) return false
  let t: Tensor
  if (typeof y === 'number') t = scalar(y, x.dtype)
  else if (y instanceof Tensor && y.dtype === x.dtype && y.storage !== x.storage) t = y
  else return false
  if (t.ndim > x.ndim || t.shape.some((s, i) => s !== 1 && s !== x.shape[x.ndim - t.ndim + i])) return false
  getBackend().binary(op, x.storage.data, x.layout, t.storage.data, t.layout.expand(x.shape), x.storage.data, x.layout)
  x.storage.version++
  return true
}

function binaryInplace(name: string, op: BinaryOp, x: Tensor, y: TensorLike): Tensor {
  assertTensor(name, x)
  checkWritable(name, x)
  if (binaryInto(op, x, y)) return x
  return writeInto(name, x, noGrad(() => binaryOp(op, x, y)))
}

export const add_ = (x: Tensor, y: TensorLike, alpha = 1) => binaryInplace('add_', 'add', x, alpha === 1 ? y : typeof y === 'object' ? noGrad(() => y.mul(alpha)) : Number(y) * alpha)
export const sub_ = (x: Tensor, y: TensorLike) => binaryInplace('sub_', 'sub', x, y)
export const mul_ = (x: Tensor, y: TensorLike) => binaryInplace('mul_', 'mul', x, y)
export const div_ = (x: Tensor, y: TensorLike) => binaryInplace('div_', 'div', x, y)
export const clamp_ = (x: Tensor, min?: number | null, max?: number | null) => inplace('clamp_', x, () => x.clamp(min, max))
export const copy_ = (x: Tensor, src: Tensor) => inplace('copy_', x, () => src, true)
const fillAs = (op: string, x: Tensor, value: number) => inplace(op, x, () => Tensor.zeros([], x.dtype).add(value), true)
export const fill_ = (x: Tensor, value: number) => fillAs('fill_', x, value)
export const zero_ = (x: Tensor) => fillAs('zero_', x, 0)
