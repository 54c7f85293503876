// Naive reference implementations for the property tests (slow, obviously right).
import type { Tensor } from '../src/index.js'
import { isClose } from '../src/testing/index.js'

export function flat(t: Tensor): number[] {
  return Array.from(t.contiguousData())
}

export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length)
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]; i = Math.floor(i / shape[d]) }
  return idx
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let p = 0
  for (let d = 0; d < shape.length; d++) p = p * shape[d] + idx[d]
  return p
}

/** Value of t at a multi-index of the broadcast shape. */
export function at(t: Tensor, idx: readonly number[]): number {
  const data = flat(t)
  const off = idx.length - t.ndim
  return data[ravel(t.shape.map((s, d) => (s === 1 ? 0 : idx[off + d])), t.shape)]
}

export function close(a: number, b: number, tol = 1e-9): boolean {
  return isClose(a, b, tol, tol)
}
