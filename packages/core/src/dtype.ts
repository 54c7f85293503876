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

/**
 * Where allocArray's arrays come from, when not plain `new Float32Array(n)`: a
 * backend's storage (the native package gives 64-byte-aligned arrays, as its
 * SIMD kernels and threads want them). Returns a zero-filled array of `n`
 * elements of `dtype`'s type that is the only view of its buffer (it may start
 * past the buffer's start), or null to leave this one to the plain constructor.
 */
export type ArraySource = (dtype: DType, n: number) => TypedArray | null

let arraySource: ArraySource | null = null
/** The arrays a source gave: each the only view of its buffer, though not all of it. */
const sourced = new WeakSet<TypedArray>()

/** Whether nothing but `a` views a's buffer: a whole buffer, or an array an ArraySource gave (the memory pool keeps only those). */
export function ownsBuffer(a: TypedArray): boolean {
  return (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) || sourced.has(a)
}

/** Sets (or, with null, removes) the source of allocArray's arrays; returns the one it replaces. */
export function setArraySource(source: ArraySource | null): ArraySource | null {
  const before = arraySource
  arraySource = source
  return before
}

/** A zero-filled array of n elements for `dtype` (from the array source when one is set and takes it). */
export function allocArray(dtype: DType, n: number): TypedArray {
  if (arraySource !== null) {
    const a = arraySource(dtype, n)
    if (a !== null) {
      if (a.length !== n || !arrayHoldsDtype(a, dtype)) throw new DTypeError(`allocArray: the array source gave a ${a.constructor.name} of ${a.length} elements for ${n} of ${dtype}`)
      if (a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) sourced.add(a)
      return a
    }
  }
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
