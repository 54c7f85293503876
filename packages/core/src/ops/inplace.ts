// In-place ops write into the tensor's storage and bump its version counter,
// so a backward that saved the old values notices (instead of computing a wrong gradient).
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js'
import { getBackend } from '../backend/backend.js'
import { AutogradError, ShapeError, fmtShape } from '../errors.js'
import { broadcastShapes } from '../shape.js'
import { Tensor } from '../tensor.js'
import { assertTensor, type TensorLike } from './util.js'

function checkWritable(op: string, x: Tensor): void {
  if (isGradEnabled() && x.requiresGrad) {
    throw new AutogradError(`${op}: a ${x.isLeaf ? 'leaf tensor' : 'tensor in the autograd graph'} that requires grad cannot be modified in place; use the out-of-place op, or wrap the update in noGrad() (as optimizers do)`)
  }
}

/** Writes src (broadcast to x's shape) into x's memory. */
function writeInto(op: string, x: Tensor, src: Tensor): Tensor {
  const shape = broadcastShapes(op, x.shape, src.shape)
  if (shape.length !== x.ndim || shape.some((s, i) => s !== x.shape[i])) throw new ShapeError(`${op}: source of shape ${fmtShape(src.shape)} does not broadcast to the destination's shape ${fmtShape(x.shape)}`)
  const s = src.expand(x.shape).detach()
  getBackend().copy(s.storage.data, s.offset, s.shape, s.strides, x.storage.data, x.offset, x.strides)
  x.storage.version++
  return x
}

function inplace(op: string, x: Tensor, compute: () => Tensor): Tensor {
  assertTensor(op, x)
  checkWritable(op, x)
  return writeInto(op, x, noGrad(compute))
}

export const add_ = (x: Tensor, y: TensorLike, alpha = 1) => inplace('add_', x, () => x.add(alpha === 1 ? y : typeof y === 'object' ? y.mul(alpha) : Number(y) * alpha))
export const sub_ = (x: Tensor, y: TensorLike) => inplace('sub_', x, () => x.sub(y))
export const mul_ = (x: Tensor, y: TensorLike) => inplace('mul_', x, () => x.mul(y))
export const div_ = (x: Tensor, y: TensorLike) => inplace('div_', x, () => x.div(y))
export const clamp_ = (x: Tensor, min?: number | null, max?: number | null) => inplace('clamp_', x, () => x.clamp(min, max))
export const copy_ = (x: Tensor, src: Tensor) => inplace('copy_', x, () => src)
export const fill_ = (x: Tensor, value: number) => inplace('fill_', x, () => Tensor.zeros([], x.dtype).add(value))
export const zero_ = (x: Tensor) => fill_(x, 0)
