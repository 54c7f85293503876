// Scaled dot-product attention kernels composed of the active backend's gemm
// and softmax kernels (so a native gemm or softmax speeds them up too): per
// head, one gemm batched over the batch dim, reading q, k, v, gOut through their
// strides. One call per head keeps each C block of a batch a separate memory
// range (what the native gemm requires) even when heads interleave in a row.
import { getBackend, type AttentionKernels, type AttentionOperand } from '../backend.js'
import type { FloatArray } from '../../dtype.js'
import { Layout } from '../../layout.js'

/** A matrix per (batch, head): element (i, j) at data[offset + b*batch + h*head + i*row + j*col]. */
interface Mat { data: FloatArray; offset: number; batch: number; head: number; row: number; col: number }

const mat = (x: AttentionOperand): Mat => ({ data: x.data, offset: x.offset, batch: x.strides[0], head: x.strides[1], row: x.strides[2], col: x.strides[3] })
const transposed = (m: Mat): Mat => ({ ...m, row: m.col, col: m.row })
/** A contiguous [batch, heads, rows, cols] array. */
const dense = (data: FloatArray, heads: number, rows: number, cols: number): Mat => ({ data, offset: 0, batch: heads * rows * cols, head: rows * cols, row: cols, col: 1 })

/** C = alpha A B (+ C with accumulate) for every (batch, head); A is m x k, B is k x n. */
function perHead(batch: number, heads: number, m: number, n: number, k: number, alpha: number, a: Mat, b: Mat, c: Mat, accumulate = false): void {
  const gemm = getBackend().gemm
  for (let h = 0; h < heads; h++) {
    gemm(
      a.data, new Layout([batch, m, k], [a.batch, a.row, a.col], a.offset + h * a.head),
      b.data, new Layout([batch, k, n], [b.batch, b.row, b.col], b.offset + h * b.head),
      c.data, new Layout([batch, m, n], [c.batch, c.row, c.col], c.offset + h * c.head), alpha, accumulate ? 1 : 0)
  }
}

export const attention: AttentionKernels['attention'] = (a) => {
  const { batch: B, heads: H, L, S, E, Ev, probs } = a
  const P = dense(probs, H, L, S)
  // scores = scale q k^T, written into probs
  perHead(B, H, L, S, E, a.scale, mat(a.q), transposed(mat(a.k)), P)
  if (a.mask !== null || a.causal) {
    const m = a.mask
    for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < L; i++) {
      const row = ((b * H + h) * L + i) * S
      if (m !== null) {
        const [s0, s1, s2, s3] = m.strides
        const mo = m.offset + b * s0 + h * s1 + i * s2
        for (let j = 0; j < S; j++) probs[row + j] += m.data[mo + j * s3]
      }
      if (a.causal) for (let j = Math.max(0, i + a.queryOffset + 1); j < S; j++) probs[row + j] = -Infinity
    }
  }
  getBackend().softmax(probs, probs, B * H * L, S)
  // out = P v
  perHead(B, H, L, Ev, S, 1, P, mat(a.v), mat(a.out))
}

export const attentionBackward: AttentionKernels['attentionBackward'] = (a) => {
  const { batch: B, heads: H, L, S, E, Ev } = a
  const P = dense(a.probs, H, L, S), G = dense(a.gScores, H, L, S)
  // dP = gOut v^T, then dS = P (dP - rowsum(dP P)) in place
  perHead(B, H, L, S, Ev, 1, mat(a.gOut), transposed(mat(a.v)), G)
  getBackend().softmaxBackward(a.probs, a.gScores, a.gScores, B * H * L, S)
  const acc = a.accumulate
  if (a.gq) perHead(B, H, L, E, S, a.scale, G, mat(a.k), mat(a.gq), acc) //                gq = scale dS k
  if (a.gk) perHead(B, H, S, E, L, a.scale, transposed(G), mat(a.q), mat(a.gk), acc) //    gk = scale dS^T q
  if (a.gv) perHead(B, H, S, Ev, L, 1, transposed(P), mat(a.gOut), mat(a.gv), acc) //      gv = P^T gOut
}
