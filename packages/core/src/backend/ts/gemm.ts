// Cache-blocked matrix multiply in plain TS (the reference kernel).
// Blocks of A (MC x KC) and B (KC x NC) are packed into contiguous panels of
// 4 rows / 4 columns, zero-padded, so the 4x4 register-tiled micro-kernel runs
// on unit-stride data whatever the operands' strides (a transposed view is just
// other strides: nothing is copied beyond the packing every block needs anyway).
import type { FloatArray } from '../../dtype.js'
import type { Layout } from '../../layout.js'

const MR = 4, NR = 4
const MC = 64, KC = 256, NC = 256

let packA = new Float64Array(MC * KC)
let packB = new Float64Array(KC * NC)

/** One matrix product's operands: the batch item's offsets are passed beside it. */
interface Product {
  a: FloatArray; aRowStride: number; aColStride: number
  b: FloatArray; bRowStride: number; bColStride: number
  c: FloatArray; cRowStride: number
  alpha: number
}

export function gemm(a: FloatArray, aLayout: Layout, b: FloatArray, bLayout: Layout, c: FloatArray, cLayout: Layout, alpha: number, beta: number): void {
  const nd = cLayout.shape.length, nb = nd - 2
  const m = cLayout.shape[nb], n = cLayout.shape[nb + 1], k = aLayout.shape[nb + 1]
  if (m === 0 || n === 0 || cLayout.numel() === 0) return
  const as = aLayout.strides, bs = bLayout.strides, cs = cLayout.strides
  const g: Product = { a, aRowStride: as[nb], aColStride: as[nb + 1], b, bRowStride: bs[nb], bColStride: bs[nb + 1], c, cRowStride: cs[nb], alpha }
  // the batch dims walked as an odometer, the three offsets moved along
  const index = new Array<number>(nb).fill(0)
  let aOff = aLayout.offset, bOff = bLayout.offset, cOff = cLayout.offset
  for (;;) {
    product(g, aOff, bOff, cOff, m, n, k, beta)
    let d = nb - 1
    for (; d >= 0; d--) {
      aOff += as[d]; bOff += bs[d]; cOff += cs[d]
      if (++index[d] < cLayout.shape[d]) break
      index[d] = 0
      aOff -= as[d] * cLayout.shape[d]; bOff -= bs[d] * cLayout.shape[d]; cOff -= cs[d] * cLayout.shape[d]
    }
    if (d < 0) return
  }
}

function product(g: Product, aOff: number, bOff: number, cOff: number, m: number, n: number, k: number, beta: number): void {
  if (k === 0) {
    if (beta === 0) for (let i = 0; i < m; i++) g.c.fill(0, cOff + i * g.cRowStride, cOff + i * g.cRowStride + n)
    return
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc)
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc)
      packPanelsB(g, bOff, pc, kc, jc, nc)
      const accumulate = pc > 0 || beta === 1
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic)
        packPanelsA(g, aOff, ic, mc, pc, kc)
        macroKernel(g, cOff, ic, mc, jc, nc, kc, accumulate)
      }
    }
  }
}

// Ap[(ip * kc + p) * MR + ii] = alpha * A[ic + ip*MR + ii, pc + p], zero beyond m.
function packPanelsA(g: Product, aOff: number, ic: number, mc: number, pc: number, kc: number): void {
  const panels = Math.ceil(mc / MR)
  if (packA.length < panels * MR * kc) packA = new Float64Array(panels * MR * kc)
  const a = g.a, rs = g.aRowStride, cs = g.aColStride, Ap = packA, alpha = g.alpha
  for (let ip = 0; ip < panels; ip++) {
    const base = ip * kc * MR
    for (let ii = 0; ii < MR; ii++) {
      const i = ip * MR + ii
      if (i < mc) {
        let src = aOff + (ic + i) * rs + pc * cs
        for (let p = 0; p < kc; p++, src += cs) Ap[base + p * MR + ii] = alpha * a[src]
      } else {
        for (let p = 0; p < kc; p++) Ap[base + p * MR + ii] = 0
      }
    }
  }
}

// Bp[(jp * kc + p) * NR + jj] = B[pc + p, jc + jp*NR + jj], zero beyond n.
function packPanelsB(g: Product, bOff: number, pc: number, kc: number, jc: number, nc: number): void {
  const panels = Math.ceil(nc / NR)
  if (packB.length < panels * NR * kc) packB = new Float64Array(panels * NR * kc)
  const b = g.b, rs = g.bRowStride, cs = g.bColStride, Bp = packB
  for (let jp = 0; jp < panels; jp++) {
    const base = jp * kc * NR
    for (let jj = 0; jj < NR; jj++) {
      const j = jp * NR + jj
      if (j < nc) {
        let src = bOff + pc * rs + (jc + j) * cs
        for (let p = 0; p < kc; p++, src += rs) Bp[base + p * NR + jj] = b[src]
      } else {
        for (let p = 0; p < kc; p++) Bp[base + p * NR + jj] = 0
      }
    }
  }
}

// C block += (or =) Ap * Bp, one 4x4 tile of C at a time kept in 16 locals.
function macroKernel(g: Product, cOff: number, ic: number, mc: number, jc: number, nc: number, kc: number, accumulate: boolean): void {
  const Ap = packA, Bp = packB, c = g.c, crs = g.cRowStride
  for (let jp = 0; jp * NR < nc; jp++) {
    const bBase = jp * kc * NR
    const nr = Math.min(NR, nc - jp * NR)
    for (let ip = 0; ip * MR < mc; ip++) {
      const aBase = ip * kc * MR
      const mr = Math.min(MR, mc - ip * MR)
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0
      // one induction variable (pa) bounds the loop: measurably faster in V8 than a separate counter
      const end = aBase + kc * MR
      for (let pa = aBase, pb = bBase; pa < end; pa += MR, pb += NR) {
        const a0 = Ap[pa], a1 = Ap[pa + 1], a2 = Ap[pa + 2], a3 = Ap[pa + 3]
        const b0 = Bp[pb], b1 = Bp[pb + 1], b2 = Bp[pb + 2], b3 = Bp[pb + 3]
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3
      }
      const row0 = cOff + (ic + ip * MR) * crs + jc + jp * NR
      storeRow(c, row0, nr, mr > 0, c00, c01, c02, c03, accumulate)
      storeRow(c, row0 + crs, nr, mr > 1, c10, c11, c12, c13, accumulate)
      storeRow(c, row0 + 2 * crs, nr, mr > 2, c20, c21, c22, c23, accumulate)
      storeRow(c, row0 + 3 * crs, nr, mr > 3, c30, c31, c32, c33, accumulate)
    }
  }
}

function storeRow(c: FloatArray, p: number, nr: number, valid: boolean, v0: number, v1: number, v2: number, v3: number, accumulate: boolean): void {
  if (!valid) return
  if (accumulate) {
    c[p] += v0; if (nr > 1) c[p + 1] += v1; if (nr > 2) c[p + 2] += v2; if (nr > 3) c[p + 3] += v3
  } else {
    c[p] = v0; if (nr > 1) c[p + 1] = v1; if (nr > 2) c[p + 2] = v2; if (nr > 3) c[p + 3] = v3
  }
}
