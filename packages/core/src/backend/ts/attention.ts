// Scaled dot-product attention kernels composed of the active backend's gemm
// and softmax kernels (so a native gemm or softmax speeds them up too): per
// head, one gemm batched over the batch dim, reading q, k, v, gOut through their
// layouts (whose shapes give the sizes: q [B, H, L, E], k [B, H, S, E], v [B, H, S, Ev]).
// One call per head keeps each C block of a batch a separate memory range (what
// the native gemm requires) even when heads interleave in a row.
import { getBackend, type AttentionKernels } from '../backend.js'
import { allocArray, dtypeOfArray, type FloatArray } from '../../dtype.js'
import { releaseArray, takeArray } from '../../memory/pool.js'
import { Layout } from '../../layout.js'

/** A matrix per (batch, head): element (i, j) at data[offset + b*batch + h*head + i*row + j*col]. */
interface Mat { data: FloatArray; offset: number; batch: number; head: number; row: number; col: number }

const mat = (data: FloatArray, l: Layout): Mat => ({ data, offset: l.offset, batch: l.strides[0], head: l.strides[1], row: l.strides[2], col: l.strides[3] })
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
  const [B, H, L, E] = a.qLayout.shape, S = a.kLayout.shape[2], Ev = a.vLayout.shape[3]
  const probs = a.probs, P = dense(probs, H, L, S)
  // scores = scale q k^T, written into probs
  perHead(B, H, L, S, E, a.scale, mat(a.q, a.qLayout), transposed(mat(a.k, a.kLayout)), P)
  if (a.mask !== null || a.causal) {
    const m = a.mask !== null && a.maskLayout !== null ? mat(a.mask, a.maskLayout) : null
    for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < L; i++) {
      const row = ((b * H + h) * L + i) * S
      if (m !== null) {
        const mo = m.offset + b * m.batch + h * m.head + i * m.row
        for (let j = 0; j < S; j++) probs[row + j] += m.data[mo + j * m.col]
      }
      if (a.causal) for (let j = Math.max(0, i + a.queryOffset + 1); j < S; j++) probs[row + j] = -Infinity
    }
  }
  getBackend().softmax(probs, probs, B * H * L, S)
  // out = P v
  perHead(B, H, L, Ev, S, 1, P, mat(a.v, a.vLayout), mat(a.out, a.outLayout))
}

export const attentionBackward: AttentionKernels['attentionBackward'] = (a) => {
  const [B, H, L, E] = a.qLayout.shape, S = a.kLayout.shape[2], Ev = a.vLayout.shape[3]
  // dS in gScores, or in a pooled scratch array (given back below) when the caller does not want it
  const dtype = dtypeOfArray(a.probs)
  const scratch = a.gScores ? null : (takeArray(dtype, a.probs.length) ?? allocArray(dtype, a.probs.length)) as FloatArray
  const gScores = a.gScores ?? scratch!
  const P = dense(a.probs, H, L, S), G = dense(gScores, H, L, S)
  const q = mat(a.q, a.qLayout), k = mat(a.k, a.kLayout), gOut = mat(a.gOut, a.gOutLayout)
  // dP = gOut v^T, then dS = P (dP - rowsum(dP P)) in place
  perHead(B, H, L, S, Ev, 1, gOut, transposed(mat(a.v, a.vLayout)), G)
  getBackend().softmaxBackward(a.probs, gScores, gScores, B * H * L, S)
  const acc = a.accumulate
  if (a.gq && a.gqLayout) perHead(B, H, L, E, S, a.scale, G, k, mat(a.gq, a.gqLayout), acc) //                gq = scale dS k
  if (a.gk && a.gkLayout) perHead(B, H, S, E, L, a.scale, transposed(G), q, mat(a.gk, a.gkLayout), acc) //    gk = scale dS^T q
  if (a.gv && a.gvLayout) perHead(B, H, S, Ev, L, 1, transposed(P), gOut, mat(a.gv, a.gvLayout), acc) //      gv = P^T gOut
  if (scratch) releaseArray(dtype, scratch)
}
