// Row-wise softmax family over a contiguous [rows, cols] array.
import type { FloatArray } from '../../dtype.js'

export function softmax(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
  for (let r = 0, p = 0; r < rows; r++, p += cols) {
    let m = -Infinity
    for (let i = 0; i < cols; i++) if (x[p + i] > m) m = x[p + i]
    if (m === -Infinity) m = 0 // an all -inf row gives NaN, as exp(-inf - -inf) would
    let s = 0
    for (let i = 0; i < cols; i++) { const e = Math.exp(x[p + i] - m); out[p + i] = e; s += e }
    const inv = 1 / s
    for (let i = 0; i < cols; i++) out[p + i] *= inv
  }
}

export function logSoftmax(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
  for (let r = 0, p = 0; r < rows; r++, p += cols) {
    let m = -Infinity
    for (let i = 0; i < cols; i++) if (x[p + i] > m) m = x[p + i]
    if (m === -Infinity) m = 0
    let s = 0
    for (let i = 0; i < cols; i++) s += Math.exp(x[p + i] - m)
    const lse = m + Math.log(s)
    for (let i = 0; i < cols; i++) out[p + i] = x[p + i] - lse
  }
}

// d softmax: gx = y * (gy - sum(gy * y))
export function softmaxBackward(y: FloatArray, gy: FloatArray, gx: FloatArray, rows: number, cols: number): void {
  for (let r = 0, p = 0; r < rows; r++, p += cols) {
    let dot = 0
    for (let i = 0; i < cols; i++) dot += gy[p + i] * y[p + i]
    for (let i = 0; i < cols; i++) gx[p + i] = y[p + i] * (gy[p + i] - dot)
  }
}

// d logSoftmax: gx = gy - exp(y) * sum(gy)
export function logSoftmaxBackward(y: FloatArray, gy: FloatArray, gx: FloatArray, rows: number, cols: number): void {
  for (let r = 0, p = 0; r < rows; r++, p += cols) {
    let s = 0
    for (let i = 0; i < cols; i++) s += gy[p + i]
    for (let i = 0; i < cols; i++) gx[p + i] = gy[p + i] - Math.exp(y[p + i]) * s
  }
}
