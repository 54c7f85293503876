// Index kernels: where, indexSelect/indexAdd (rows of a [outer, dim, inner] block), gather/scatterAdd.
import type { TypedArray } from '../../dtype.js'
import type { Layout } from '../../layout.js'

export function where(cond: Uint8Array, a: TypedArray, b: TypedArray, out: TypedArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = cond[i] ? a[i] : b[i]
}

export function indexSelect(x: TypedArray, out: TypedArray, outer: number, dimSize: number, inner: number, index: Int32Array): void {
  const m = index.length
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = (o * dimSize + index[j]) * inner, dst = (o * m + j) * inner
      for (let i = 0; i < inner; i++) out[dst + i] = x[src + i] // no subarray: an embedding lookup made an object per row
    }
  }
}

export function indexAdd(src: TypedArray, out: TypedArray, outer: number, dimSize: number, inner: number, index: Int32Array): void {
  const m = index.length
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const s = (o * m + j) * inner, d = (o * dimSize + index[j]) * inner
      for (let i = 0; i < inner; i++) out[d + i] += src[s + i]
    }
  }
}

// Walks the multi-index of `shape` in row-major order, calling f(flatPosition, offsetWithoutDim, idxAtDim).
function walk(shape: readonly number[], strides: readonly number[], dim: number, f: (p: number, base: number) => void): void {
  const nd = shape.length
  let total = 1
  for (const s of shape) total *= s
  const idx = new Array<number>(nd).fill(0)
  let base = 0
  for (let p = 0; p < total; p++) {
    f(p, base)
    for (let d = nd - 1; d >= 0; d--) {
      if (d !== dim) base += strides[d]
      if (++idx[d] < shape[d]) break
      if (d !== dim) base -= strides[d] * shape[d]
      idx[d] = 0
    }
  }
}

export function gather(x: TypedArray, xLayout: Layout, index: Int32Array, indexShape: readonly number[], dim: number, out: TypedArray): void {
  const xStrides = xLayout.strides, xOffset = xLayout.offset
  const sd = xStrides[dim]
  walk(indexShape, xStrides, dim, (p, base) => { out[p] = x[xOffset + base + index[p] * sd] })
}

export function scatterAdd(src: TypedArray, index: Int32Array, indexShape: readonly number[], dim: number, out: TypedArray, outLayout: Layout): void {
  const strides = outLayout.strides, outOffset = outLayout.offset
  const sd = strides[dim]
  walk(indexShape, strides, dim, (p, base) => { out[outOffset + base + index[p] * sd] += src[p] })
}
