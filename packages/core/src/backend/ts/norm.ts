// Fused layer norm over a contiguous [rows, cols] array (a row = the normalized dims).
import type { FloatArray } from '../../dtype.js'

export function layerNorm(x: FloatArray, w: FloatArray | null, b: FloatArray | null, y: FloatArray, mean: FloatArray, rstd: FloatArray, rows: number, cols: number, eps: number): void {
  for (let r = 0, p = 0; r < rows; r++, p += cols) {
    // two passes (mean, then squared deviations): no cancellation for large means
    let s = 0
    for (let i = 0; i < cols; i++) s += x[p + i]
    const mu = s / cols
    let v = 0
    for (let i = 0; i < cols; i++) { const d = x[p + i] - mu; v += d * d }
    const rs = 1 / Math.sqrt(v / cols + eps)
    mean[r] = mu
    rstd[r] = rs
    if (w !== null && b !== null) for (let i = 0; i < cols; i++) y[p + i] = (x[p + i] - mu) * rs * w[i] + b[i]
    else if (w !== null) for (let i = 0; i < cols; i++) y[p + i] = (x[p + i] - mu) * rs * w[i]
    else if (b !== null) for (let i = 0; i < cols; i++) y[p + i] = (x[p + i] - mu) * rs + b[i]
    else for (let i = 0; i < cols; i++) y[p + i] = (x[p + i] - mu) * rs
  }
}

// xhat = (x - mean) rstd, h = gy w: gx = rstd (h - mean(h) - xhat mean(h xhat)); gw = sum_rows gy xhat; gb = sum_rows gy
export function layerNormBackward(x: FloatArray, gy: FloatArray, w: FloatArray | null, mean: FloatArray, rstd: FloatArray, gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null, rows: number, cols: number): void {
  // gw/gb are summed in float64 scratch, then stored (float32 outputs lose nothing to accumulation)
  const accW = gw !== null ? new Float64Array(cols) : null
  const accB = gb !== null ? new Float64Array(cols) : null
  for (let r = 0, p = 0; r < rows; r++, p += cols) {
    const mu = mean[r], rs = rstd[r]
    if (accW !== null) for (let i = 0; i < cols; i++) accW[i] += gy[p + i] * (x[p + i] - mu) * rs
    if (accB !== null) for (let i = 0; i < cols; i++) accB[i] += gy[p + i]
    if (gx === null) continue
    let sh = 0, shx = 0
    for (let i = 0; i < cols; i++) {
      const h = w !== null ? gy[p + i] * w[i] : gy[p + i]
      sh += h
      shx += h * (x[p + i] - mu) * rs
    }
    const mh = sh / cols, mhx = shx / cols
    for (let i = 0; i < cols; i++) {
      const h = w !== null ? gy[p + i] * w[i] : gy[p + i]
      gx[p + i] = rs * (h - mh - (x[p + i] - mu) * rs * mhx)
    }
  }
  if (gw !== null) gw.set(accW!)
  if (gb !== null) gb.set(accB!)
}

// RMS norm (no mean, no bias): rstd = 1 / sqrt(mean(x^2) + eps), y = x rstd w
export function rmsNorm(x: FloatArray, w: FloatArray | null, y: FloatArray, rstd: FloatArray, rows: number, cols: number, eps: number): void {
  for (let r = 0, p = 0; r < rows; r++, p += cols) {
    let ss = 0
    for (let i = 0; i < cols; i++) ss += x[p + i] * x[p + i]
    const rs = 1 / Math.sqrt(ss / cols + eps)
    rstd[r] = rs
    if (w !== null) for (let i = 0; i < cols; i++) y[p + i] = x[p + i] * rs * w[i]
    else for (let i = 0; i < cols; i++) y[p + i] = x[p + i] * rs
  }
}

// xhat = x rstd, h = gy w: gx = rstd (h - xhat mean(h xhat)); gw = sum_rows gy xhat
export function rmsNormBackward(x: FloatArray, gy: FloatArray, w: FloatArray | null, rstd: FloatArray, gx: FloatArray | null, gw: FloatArray | null, rows: number, cols: number): void {
  const accW = gw !== null ? new Float64Array(cols) : null
  for (let r = 0, p = 0; r < rows; r++, p += cols) {
    const rs = rstd[r]
    if (accW !== null) for (let i = 0; i < cols; i++) accW[i] += gy[p + i] * x[p + i] * rs
    if (gx === null) continue
    let shx = 0
    for (let i = 0; i < cols; i++) shx += (w !== null ? gy[p + i] * w[i] : gy[p + i]) * x[p + i] * rs
    const mhx = shx / cols
    for (let i = 0; i < cols; i++) gx[p + i] = rs * ((w !== null ? gy[p + i] * w[i] : gy[p + i]) - x[p + i] * rs * mhx)
  }
  if (gw !== null) gw.set(accW!)
}
