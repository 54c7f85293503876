// Fused float32 kernels for the GPT's two hot spots, each one autograd node
// with a hand-written backward (like PyTorch's F.gelu and
// F.scaled_dot_product_attention), instead of a chain of elementwise ops:
//
// - gelu: one pass forward, one pass backward (table interpolation, no erf or
//   tanh per element). Composed of Tensor ops, GELU's backward is about a dozen
//   full passes over the [B, T, 4E] activations.
// - causal self-attention on the packed q/k/v projection [B, T, 3E]: the
//   per-head products are strided gemm calls straight on that layout (no head
//   transposes copied), softmax and its backward are the backend's row kernels.
//
// Both are once-differentiable (gradients of gradients use the composed ops:
// call useFusedKernels(false)). Other dtypes go through the composed ops.
import { Tensor, defineFunction, getBackend, type FloatArray } from '@adjoint/core'

let fused = true

/** Turns the fused kernels on (default) or off (composed Tensor ops); returns the previous setting. */
export function useFusedKernels(on: boolean): boolean {
  const was = fused
  fused = on
  return was
}

export function fusedKernelsEnabled(): boolean {
  return fused
}

// ---------------------------------------------------------------- GELU

// GELU and its derivative are smooth, so a cubic Hermite interpolation over a
// table (values and slopes at 32 points per unit on [-6, 6], from float64
// formulas) is accurate to ~5e-8, below float32's resolution, at a third of the
// cost of evaluating erf/tanh per element. Outside [-6, 6], GELU is x or 0 and
// its slope 1 or 0 to within 1e-8.
const LO = -6, HI = 6, PER = 32, N = (HI - LO) * PER

/** erf in float64: its Taylor series below 3, the continued fraction of erfc above. */
function erf64(x: number): number {
  const ax = Math.abs(x)
  if (ax > 6) return x > 0 ? 1 : -1
  let r: number
  if (ax < 3) {
    const x2 = ax * ax
    let term = ax, sum = ax
    for (let n = 1; n < 100; n++) { term *= (2 * x2) / (2 * n + 1); sum += term; if (term < 1e-17 * sum) break }
    r = 1.1283791670955126 * Math.exp(-x2) * sum
  } else {
    let f = ax
    for (let n = 60; n >= 1; n--) f = ax + n / 2 / f
    r = 1 - Math.exp(-ax * ax) / (1.7724538509055159 * f)
  }
  return x < 0 ? -r : r
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)
const C = Math.sqrt(2 / Math.PI), K = 0.044715

/** [f, f', f''] of exact GELU: f = x Phi(x), f' = Phi + x phi, f'' = phi (2 - x^2). */
function geluExact(x: number): [number, number, number] {
  const Phi = 0.5 * (1 + erf64(x * Math.SQRT1_2)), phi = Math.exp(-0.5 * x * x) * INV_SQRT_2PI
  return [x * Phi, Phi + x * phi, phi * (2 - x * x)]
}

/** [f, f', f''] of GELU's tanh approximation: f = x (1 + tanh u) / 2, u = sqrt(2/pi) (x + 0.044715 x^3). */
function geluTanhExact(x: number): [number, number, number] {
  const th = Math.tanh(C * (x + K * x * x * x)), s = 1 - th * th
  const du = C * (1 + 3 * K * x * x), ddu = 6 * C * K * x
  return [0.5 * x * (1 + th), 0.5 * (1 + th) + 0.5 * x * s * du, s * du + 0.5 * x * s * (ddu - 2 * th * du * du)]
}

interface Tables { f: Float64Array; df: Float64Array; d2f: Float64Array }
const tables = new Map<boolean, Tables>()
/** Values f, f' and f'' at the knots; the slopes are pre-multiplied by the knot spacing. */
function tablesFor(tanh: boolean): Tables {
  let t = tables.get(tanh)
  if (!t) {
    t = { f: new Float64Array(N + 1), df: new Float64Array(N + 1), d2f: new Float64Array(N + 1) }
    for (let i = 0; i <= N; i++) {
      const [f, d1, d2] = (tanh ? geluTanhExact : geluExact)(LO + i / PER)
      t.f[i] = f; t.df[i] = d1; t.d2f[i] = d2
    }
    tables.set(tanh, t)
  }
  return t
}

/** out[i] = the Hermite interpolant of (v, slope) at x[i]; above HI: x * aboveSlope + aboveConst, below LO: 0. */
function hermite(x: Float32Array, v: Float64Array, slope: Float64Array, g: Float32Array | null, out: Float32Array, aboveIsX: boolean): void {
  const h = 1 / PER
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]
    let y: number
    if (xi >= HI) y = aboveIsX ? xi : 1
    else if (xi > LO) {
      const s = (xi - LO) * PER, j = s | 0, t = s - j
      const t2 = t * t, t3 = t2 * t
      y = (2 * t3 - 3 * t2 + 1) * v[j] + (t3 - 2 * t2 + t) * h * slope[j] + (3 * t2 - 2 * t3) * v[j + 1] + (t3 - t2) * h * slope[j + 1]
    } else y = 0
    out[i] = g === null ? y : g[i] * y
  }
}

function geluForward(x: Float32Array, y: Float32Array, tanh: boolean): void {
  const t = tablesFor(tanh)
  hermite(x, t.f, t.df, null, y, true)
}

function geluBackward(x: Float32Array, g: Float32Array, gx: Float32Array, tanh: boolean): void {
  const t = tablesFor(tanh)
  hermite(x, t.df, t.d2f, g, gx, false)
}

const geluFn = defineFunction({
  name: 'gelu',
  onceDifferentiable: true,
  forward(ctx, x: Tensor, tanh: boolean) {
    const xc = x.contiguous()
    const y = Tensor.empty(x.shape, 'float32')
    geluForward(xc.contiguousData() as Float32Array, y.storage.data as Float32Array, tanh)
    ctx.saveForBackward(xc)
    ctx.tanh = tanh
    return y
  },
  backward(ctx, g) {
    const [x] = ctx.savedTensors
    const gx = Tensor.empty(x.shape, 'float32')
    const gd = (g.dtype === 'float32' ? g : g.to('float32')).contiguousData() as Float32Array
    geluBackward(x.contiguousData() as Float32Array, gd, gx.storage.data as Float32Array, ctx.tanh as boolean)
    return [gx, null]
  },
})

/** GELU, exact ('gelu') or with the tanh approximation ('geluTanh', GPT-2's gelu_new). */
export function gelu(x: Tensor, kind: 'gelu' | 'geluTanh' = 'gelu'): Tensor {
  if (!fused || x.dtype !== 'float32') return x.gelu({ approximate: kind === 'geluTanh' ? 'tanh' : 'none' })
  return geluFn(x, kind === 'geluTanh')
}

// ---------------------------------------------------------------- attention

let scratchA = new Float32Array(0), scratchB = new Float32Array(0)
function scratch(which: 0 | 1, n: number): Float32Array {
  if (which === 0) { if (scratchA.length < n) scratchA = new Float32Array(n); return scratchA.subarray(0, n) }
  if (scratchB.length < n) scratchB = new Float32Array(n)
  return scratchB.subarray(0, n)
}

interface Dims { B: number; T: number; H: number; D: number; E: number }

/**
 * For each head h, one batched gemm over the B sequences: C_b = alpha op(A_b) op(B_b),
 * each operand given as (array, offset of head 0, offset step per head, batch stride,
 * row stride, column stride). One call per head with the batch over sequences keeps
 * each C block free of the others (the native gemm refuses batches whose C blocks
 * overlap), which batching over the interleaved heads would not.
 */
function perHead(
  H: number, B: number, m: number, n: number, k: number, alpha: number,
  a: FloatArray, aOffset: number, aHead: number, aBatchStride: number, aRowStride: number, aColStride: number,
  b: FloatArray, bOffset: number, bHead: number, bBatchStride: number, bRowStride: number, bColStride: number,
  c: FloatArray, cOffset: number, cHead: number, cBatchStride: number, cRowStride: number,
): void {
  const gemm = getBackend().gemm
  for (let h = 0; h < H; h++) {
    gemm({
      batch: B, m, n, k, alpha, beta: 0,
      a, aOffset: aOffset + h * aHead, aBatchStride, aRowStride, aColStride,
      b, bOffset: bOffset + h * bHead, bBatchStride, bRowStride, bColStride,
      c, cOffset: cOffset + h * cHead, cBatchStride, cRowStride,
    })
  }
}

const attentionFn = defineFunction({
  name: 'causalSelfAttention',
  onceDifferentiable: true,
  forward(ctx, qkv: Tensor, nHead: number) {
    const x = qkv.contiguous()
    const [B, T, E3] = x.shape
    const E = E3 / 3, H = nHead, D = E / H
    const scale = 1 / Math.sqrt(D)
    const q = x.contiguousData() as Float32Array
    const TT = T * T, seq = T * E3
    const s = scratch(0, B * H * TT)
    const probs = Tensor.empty([B, H, T, T], 'float32')
    const p = probs.storage.data as Float32Array
    const y = Tensor.empty([B, T, E], 'float32')
    const yd = y.storage.data as Float32Array
    // S[b, h] = scale Q K^T: Q rows at b*T*3E + t*3E + h*D; K^T (p, j) = K[j, p]
    perHead(H, B, T, T, D, scale, q, 0, D, seq, E3, 1, q, E, D, seq, 1, E3, s, 0, TT, H * TT, T)
    // causal mask: row i keeps keys 0..i
    for (let r = 0; r < B * H * T; r++) {
      const i = r % T, base = r * T
      for (let j = i + 1; j < T; j++) s[base + j] = -Infinity
    }
    getBackend().softmax(s, p, B * H * T, T)
    // Y = P V, written straight into [B, T, E] (head h at columns h*D)
    perHead(H, B, T, D, T, 1, p, 0, TT, H * TT, T, 1, q, 2 * E, D, seq, E3, 1, yd, 0, D, T * E, E)
    ctx.saveForBackward(x, probs)
    ctx.dims = { B, T, H, D, E } satisfies Dims
    return y
  },
  backward(ctx, g) {
    const [x, probs] = ctx.savedTensors
    const { B, T, H, D, E } = ctx.dims as Dims
    const E3 = 3 * E, TT = T * T, seq = T * E3
    const scale = 1 / Math.sqrt(D)
    const q = x.contiguousData() as Float32Array
    const p = probs.storage.data as Float32Array
    const gy = (g.dtype === 'float32' ? g : g.to('float32')).contiguousData() as Float32Array
    const dp = scratch(0, B * H * TT), ds = scratch(1, B * H * TT)
    const gx = Tensor.empty([B, T, E3], 'float32')
    const gq = gx.storage.data as Float32Array
    // dP = dY V^T
    perHead(H, B, T, T, D, 1, gy, 0, D, T * E, E, 1, q, 2 * E, D, seq, 1, E3, dp, 0, TT, H * TT, T)
    // dS = P (dP - rowsum(dP P)); masked entries have P = 0, so dS = 0 there
    getBackend().softmaxBackward(p, dp, ds, B * H * T, T)
    // dQ = scale dS K
    perHead(H, B, T, D, T, scale, ds, 0, TT, H * TT, T, 1, q, E, D, seq, E3, 1, gq, 0, D, seq, E3)
    // dK = scale dS^T Q
    perHead(H, B, T, D, T, scale, ds, 0, TT, H * TT, 1, T, q, 0, D, seq, E3, 1, gq, E, D, seq, E3)
    // dV = P^T dY
    perHead(H, B, T, D, T, 1, p, 0, TT, H * TT, 1, T, gy, 0, D, T * E, E, 1, gq, 2 * E, D, seq, E3)
    return [gx, null]
  },
})

/**
 * Causal multi-head self-attention of a packed projection qkv [B, T, 3E]
 * (q, k, v side by side, heads of size E / nHead within each): softmax(q k^T / sqrt(d) + causal mask) v,
 * heads concatenated back to [B, T, E]. No dropout (callers use the composed path for that).
 */
export function fusedCausalAttention(qkv: Tensor, nHead: number): Tensor {
  return attentionFn(qkv, nHead)
}
