import { DTypeError } from './errors.js'

export type DType = 'float32' | 'float64' | 'int32' | 'bool'
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array
export type FloatArray = Float32Array | Float64Array

const ctors = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool']

export function allocArray(dtype: DType, n: number): TypedArray {
  return new ctors[dtype](n)
}

/** Whether `a` is the TypedArray that holds `dtype` (Uint8Array for bool). */
export function arrayHoldsDtype(a: TypedArray, dtype: DType): boolean {
  return a instanceof ctors[dtype]
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32'
  if (a instanceof Float64Array) return 'float64'
  if (a instanceof Int32Array) return 'int32'
  return 'bool'
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64'
}

const rank: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 }

/** Type promotion between two tensors, as PyTorch does for these four dtypes. */
export function promoteTypes(a: DType, b: DType): DType {
  return rank[a] >= rank[b] ? a : b
}

const kind: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 2 }

/** Whether an in-place op may write a result of dtype `from` into a tensor of dtype `to` (PyTorch's canCast: never float into int or bool, nor int into bool). */
export function canCast(from: DType, to: DType): boolean {
  return kind[from] <= kind[to]
}

/** Result dtype of `tensor op number`: a JS number never widens a float tensor. */
export function promoteWithScalar(t: DType, value: number | boolean): DType {
  if (typeof value === 'boolean') return t
  if (isFloat(t)) return t
  return Number.isInteger(value) ? (t === 'bool' ? 'int32' : t) : 'float32'
}

export function assertFloat(op: string, dtype: DType): void {
  if (!isFloat(dtype)) throw new DTypeError(`${op}: expected a floating-point tensor (float32 or float64), got ${dtype}`)
}

export function checkDType(op: string, d: unknown): DType {
  if (d === 'float32' || d === 'float64' || d === 'int32' || d === 'bool') return d
  throw new DTypeError(`${op}: unknown dtype ${String(d)} (expected one of ${DTYPES.join(', ')})`)
}
