import type { TypedArray } from '../../dtype.js'
import type { Layout } from '../../layout.js'
import { coalesce } from './iterate.js'

/** Strided read of src into dst (the one kernel behind contiguous(), casts, cat and views' materialization). */
export function copy(src: TypedArray, srcLayout: Layout, dst: TypedArray, dstLayout: Layout): void {
  const shape = srcLayout.shape, srcStrides = srcLayout.strides, srcOffset = srcLayout.offset, dstOffset = dstLayout.offset
  if (!dstLayout.isContiguous()) return copyStrided(src, srcOffset, shape, srcStrides, dst, dstOffset, dstLayout.strides)
  const c = coalesce(shape, [srcStrides])
  const sh = c.shape, st = c.strides[0]
  const nd = sh.length
  if (nd === 0) {
    dst[dstOffset] = src[srcOffset]
    return
  }
  const inner = sh[nd - 1], s = st[nd - 1]
  let outer = 1
  for (let d = 0; d < nd - 1; d++) outer *= sh[d]
  const idx = new Array<number>(nd).fill(0)
  let p = srcOffset, q = dstOffset
  const sameKind = (src instanceof Uint8Array) === (dst instanceof Uint8Array)
  for (let o = 0; o < outer; o++) {
    if (s === 1 && sameKind) {
      dst.set(src.subarray(p, p + inner), q)
      q += inner
    } else if (dst instanceof Uint8Array) {
      for (let i = 0; i < inner; i++) dst[q++] = src[p + i * s] !== 0 ? 1 : 0
    } else {
      for (let i = 0; i < inner; i++) dst[q++] = src[p + i * s]
    }
    for (let d = nd - 2; d >= 0; d--) {
      p += st[d]
      if (++idx[d] < sh[d]) break
      p -= st[d] * sh[d]
      idx[d] = 0
    }
  }
}

function copyStrided(src: TypedArray, srcOffset: number, shape: readonly number[], srcStrides: readonly number[], dst: TypedArray, dstOffset: number, dstStrides: readonly number[]): void {
  const c = coalesce(shape, [srcStrides, dstStrides])
  const sh = c.shape, [ss, ds] = c.strides
  const nd = sh.length
  const toBool = dst instanceof Uint8Array && !(src instanceof Uint8Array)
  if (nd === 0) {
    dst[dstOffset] = toBool ? (src[srcOffset] !== 0 ? 1 : 0) : src[srcOffset]
    return
  }
  const inner = sh[nd - 1], si = ss[nd - 1], di = ds[nd - 1]
  let outer = 1
  for (let d = 0; d < nd - 1; d++) outer *= sh[d]
  const idx = new Array<number>(nd).fill(0)
  let p = srcOffset, q = dstOffset
  for (let o = 0; o < outer; o++) {
    if (toBool) for (let i = 0; i < inner; i++) dst[q + i * di] = src[p + i * si] !== 0 ? 1 : 0
    else for (let i = 0; i < inner; i++) dst[q + i * di] = src[p + i * si]
    for (let d = nd - 2; d >= 0; d--) {
      p += ss[d]
      q += ds[d]
      if (++idx[d] < sh[d]) break
      p -= ss[d] * sh[d]
      q -= ds[d] * sh[d]
      idx[d] = 0
    }
  }
}
