// Shape arithmetic: broadcasting, strides, contiguity, dim normalization.
import { IndexError, ShapeError, ValueError, fmtShape } from './errors.js'

export type Shape = readonly number[]

export function numel(shape: Shape): number {
  let n = 1
  for (const s of shape) n *= s
  return n
}

/** Row-major strides of a contiguous tensor of this shape. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length)
  let s = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s
    s *= shape[i]
  }
  return strides
}

export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let s = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false
    s *= shape[i]
  }
  return true
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** NumPy broadcasting: align from the right; sizes must match or be 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length)
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1
    const db = b[b.length - n + i] ?? 1
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (dim ${i}: ${da} vs ${db})`)
    }
    out[i] = da === 1 ? db : da
  }
  return out
}

/** Turns a possibly negative dim into 0..ndim-1, or throws naming the op. */
export function normalizeDim(op: string, dim: number, ndim: number): number {
  if (!Number.isInteger(dim)) throw new ValueError(`${op}: dim must be an integer, got ${dim}`)
  const lo = ndim === 0 ? -1 : -ndim, hi = ndim === 0 ? 0 : ndim - 1
  if (dim < lo || dim > hi) throw new IndexError(`${op}: dim ${dim} out of range for a tensor of ${ndim} dims (expected ${lo}..${hi})`)
  return dim < 0 ? dim + Math.max(ndim, 1) : dim
}

/** Dims to reduce over (sorted, unique); undefined means all. */
export function normalizeDims(op: string, dim: number | readonly number[] | undefined, ndim: number): number[] {
  if (dim === undefined) return Array.from({ length: ndim }, (_, i) => i)
  const list = typeof dim === 'number' ? [dim] : dim
  const out = [...new Set(list.map((d) => normalizeDim(op, d, ndim)))].sort((x, y) => x - y)
  if (out.length !== list.length) throw new ValueError(`${op}: dim ${JSON.stringify(dim)} repeats a dim`)
  return ndim === 0 ? [] : out
}

export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new ValueError(`${op}: shape must be an array of sizes, got ${String(shape)}`)
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new ValueError(`${op}: sizes must be non-negative integers, got ${fmtShape(shape)}`)
  }
  return [...shape]
}
