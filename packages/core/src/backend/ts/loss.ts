// Fused cross-entropy over contiguous [rows, cols] logits with one class index per row.
import type { FloatArray } from '../../dtype.js'

// loss = lse - (1 - s) x[t] - (s / C) sum_c x[c]: the NLL of log-softmax against the
// smoothed target (1 - s) onehot(t) + s / C, without materializing log-softmax.
export function crossEntropy(x: FloatArray, target: Int32Array, loss: FloatArray, lse: FloatArray, rows: number, cols: number, ignoreIndex: number, labelSmoothing: number): void {
  const s = labelSmoothing
  for (let r = 0, p = 0; r < rows; r++, p += cols) {
    const t = target[r]
    if (t === ignoreIndex) { loss[r] = 0; lse[r] = 0; continue }
    let m = -Infinity
    for (let i = 0; i < cols; i++) if (x[p + i] > m) m = x[p + i]
    if (m === -Infinity || m === Infinity) m = 0 // keep inf/nan behaviour of the unshifted formula
    let sum = 0, total = 0
    for (let i = 0; i < cols; i++) { sum += Math.exp(x[p + i] - m); total += x[p + i] }
    const l = m + Math.log(sum)
    lse[r] = l
    loss[r] = s === 0 ? l - x[p + t] : l - (1 - s) * x[p + t] - (s / cols) * total
  }
}

// d loss / d x[c] = softmax(x)[c] - (1 - s) [c == t] - s / C, times the row's incoming gradient
export function crossEntropyBackward(x: FloatArray, target: Int32Array, lse: FloatArray, gLoss: FloatArray, gx: FloatArray, rows: number, cols: number, ignoreIndex: number, labelSmoothing: number): void {
  const s = labelSmoothing, off = s / cols
  for (let r = 0, p = 0; r < rows; r++, p += cols) {
    const t = target[r]
    if (t === ignoreIndex) { gx.fill(0, p, p + cols); continue }
    const g = gLoss[r], l = lse[r]
    for (let i = 0; i < cols; i++) gx[p + i] = g * (Math.exp(x[p + i] - l) - off)
    gx[p + t] -= g * (1 - s)
  }
}
