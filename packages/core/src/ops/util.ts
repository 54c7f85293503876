// Small helpers shared by the op files.
import { getBackend } from '../backend/backend.js'
import { allocArray, isFloat, type DType, type FloatArray } from '../dtype.js'
import { DTypeError, ValueError } from '../errors.js'
import { Tensor } from '../tensor.js'

export type TensorLike = Tensor | number | boolean

/** A 0-d tensor holding a JS number (or boolean). */
export function scalar(value: number | boolean, dtype: DType): Tensor {
  const data = allocArray(dtype, 1)
  data[0] = typeof value === 'boolean' ? (value ? 1 : 0) : value
  return Tensor.fromArray(data, [], dtype)
}

export function assertTensor(op: string, x: unknown, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`)
}

export function assertFloat(op: string, x: Tensor, what = 'input'): void {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: ${what} must be float32 or float64, got ${x.dtype}`)
}

/** The contiguous data of t in a float dtype (a converted copy when t has another dtype; no autograd). */
export function floatData(t: Tensor, dtype: DType): FloatArray {
  return (t.dtype === dtype ? t : t.detach().to(dtype)).contiguousData() as FloatArray
}

/** Contiguous copy with the same dtype (no autograd). */
export function contiguousCopy(x: Tensor, dtype: DType = x.dtype): Tensor {
  const out = Tensor.empty(x.layout, dtype)
  getBackend().copy(x.storage.data, x.layout, out.storage.data, out.layout)
  return out
}

/** An Int32Array of the index tensor's elements (int32 only; errors name the op). */
export function indexData(op: string, index: Tensor): Int32Array {
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`)
  return index.contiguousData() as Int32Array
}
