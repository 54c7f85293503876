// Creating tensors: from JS data, constants, ranges, random numbers.
import { allocArray, checkDType, dtypeOfArray, isFloat, type DType, type TypedArray } from '../dtype.js'
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js'
import { defaultGenerator, type Generator } from '../random.js'
import { checkShape, numel } from '../shape.js'
import { Tensor, type NestedArray } from '../tensor.js'

export interface TensorOptions {
  dtype?: DType
  requiresGrad?: boolean
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator
}

/** A number as a bool element: 1 for nonzero (NaN included), 0 for zero, as PyTorch converts. */
const boolBit = (v: number): number => (v !== 0 ? 1 : 0)

function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true)
  return t
}

/**
 * A tensor from nested arrays, a number, a boolean, or a TypedArray (with `shape`).
 * Numbers default to float32 (JS cannot tell 1 from 1.0); booleans give bool.
 */
export function tensor(data: NestedArray | TypedArray | readonly NestedArray[], opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const src = data as TypedArray
    const dtype = opts.dtype ? checkDType('tensor', opts.dtype) : dtypeOfArray(src)
    const shape = opts.shape ? checkShape('tensor', opts.shape) : [src.length]
    if (numel(shape) !== src.length) throw new ShapeError(`tensor: shape ${fmtShape(shape)} needs ${numel(shape)} elements, the array has ${src.length}`)
    const arr = allocArray(dtype, src.length)
    if (dtype === 'bool') for (let i = 0; i < src.length; i++) arr[i] = boolBit(src[i])
    else arr.set(src as ArrayLike<number> & Float64Array)
    return finish(Tensor.fromArray(arr, shape, dtype), opts)
  }
  const shape: number[] = []
  let probe: unknown = data
  while (Array.isArray(probe)) {
    shape.push(probe.length)
    probe = probe[0]
  }
  const isBool = typeof probe === 'boolean'
  const dtype = opts.dtype ? checkDType('tensor', opts.dtype) : isBool ? 'bool' : 'float32'
  if (opts.shape && numel(opts.shape) !== numel(shape)) throw new ShapeError(`tensor: shape ${fmtShape(opts.shape)} does not match the data's shape ${fmtShape(shape)}`)
  const arr = allocArray(dtype, numel(shape))
  let k = 0
  const fill = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof v === 'number') arr[k++] = dtype === 'bool' ? boolBit(v) : v
      else if (typeof v === 'boolean') arr[k++] = v ? 1 : 0
      else throw new ValueError(`tensor: expected a number or boolean at depth ${depth}, got ${Array.isArray(v) ? 'an array (ragged nesting)' : typeof v}`)
      return
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) throw new ShapeError(`tensor: ragged nested array: expected length ${shape[depth]} at depth ${depth}, got ${Array.isArray(v) ? v.length : typeof v}`)
    for (const e of v) fill(e, depth + 1)
  }
  fill(data, 0)
  return finish(Tensor.fromArray(arr, opts.shape ? [...opts.shape] : shape, dtype), opts)
}

export function full(shape: readonly number[], value: number | boolean, opts: TensorOptions = {}): Tensor {
  const s = checkShape('full', shape)
  const dtype = opts.dtype ? checkDType('full', opts.dtype) : typeof value === 'boolean' ? 'bool' : 'float32'
  const t = Tensor.empty(s, dtype) // a pooled buffer when one fits: every element is written next
  t.storage.data.fill(typeof value === 'boolean' ? (value ? 1 : 0) : dtype === 'bool' ? boolBit(value) : value)
  return finish(t, opts)
}

export function zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 0, opts)
}

export function ones(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts)
}

export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, ...opts })
}

export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, ...opts })
}

export function fullLike(t: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...opts })
}

/** start, start+step, ... below end. arange(n) counts 0..n-1. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) { end = start; start = 0 }
  if (!Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(step) || step === 0) throw new ValueError(`arange: start, end and step must be finite and step non-zero, got ${start}, ${end}, ${step}`)
  const n = Math.max(0, Math.ceil((end - start) / step))
  const dtype = checkDType('arange', opts.dtype ?? 'float32')
  const arr = allocArray(dtype, n)
  for (let i = 0; i < n; i++) arr[i] = start + i * step
  return finish(Tensor.fromArray(arr, [n], dtype), opts)
}

export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ValueError(`linspace: steps must be a non-negative integer, got ${steps}`)
  const dtype = checkDType('linspace', opts.dtype ?? 'float32')
  const arr = allocArray(dtype, steps)
  const step = steps > 1 ? (end - start) / (steps - 1) : 0
  for (let i = 0; i < steps; i++) arr[i] = i === steps - 1 && steps > 1 ? end : start + i * step
  return finish(Tensor.fromArray(arr, [steps], dtype), opts)
}

export function eye(n: number, m = n, opts: TensorOptions = {}): Tensor {
  const t = zeros(checkShape('eye', [n, m]), { dtype: opts.dtype })
  for (let i = 0; i < Math.min(n, m); i++) t.storage.data[i * m + i] = 1
  return finish(t, opts)
}

function randomFill(op: string, shape: readonly number[], opts: RandomOptions, draw: (g: Generator) => number): Tensor {
  const s = checkShape(op, shape)
  const dtype = checkDType(op, opts.dtype ?? 'float32')
  const arr = allocArray(dtype, numel(s))
  const g = opts.generator ?? defaultGenerator
  for (let i = 0; i < arr.length; i++) arr[i] = draw(g)
  return finish(Tensor.fromArray(arr, s, dtype), opts)
}

/** Real-valued draws need a float dtype (PyTorch refuses rand/randn of int or bool; truncating them would be silently wrong). */
function floatDraws(op: string, opts: RandomOptions): RandomOptions {
  if (opts.dtype !== undefined && !isFloat(checkDType(op, opts.dtype))) throw new DTypeError(`${op}: dtype must be float32 or float64, got ${opts.dtype}`)
  return opts
}

/** Uniform in [0, 1). */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return randomFill('rand', shape, floatDraws('rand', opts), (g) => g.uniform())
}

/** Standard normal. */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return randomFill('randn', shape, floatDraws('randn', opts), (g) => g.normal())
}

/** Integers in [low, high), int32 by default. */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new ValueError(`randint: need integers low < high, got ${low}, ${high}`)
  return randomFill('randint', shape, { dtype: 'int32', ...opts }, (g) => g.int(low, high))
}

export function randLike(t: Tensor, opts: RandomOptions = {}): Tensor {
  return rand(t.shape, { dtype: t.dtype, ...opts })
}

export function randnLike(t: Tensor, opts: RandomOptions = {}): Tensor {
  return randn(t.shape, { dtype: t.dtype, ...opts })
}
