// Fused float32 kernels for the GPT's two hot spots, each one autograd node
// with a hand-written backward (like PyTorch's F.gelu and
// F.scaled_dot_product_attention), instead of a chain of elementwise ops:
//
// - gelu: one pass forward, one pass backward. Composed of Tensor ops, GELU's
//   backward is about a dozen full passes over the [B, T, 4E] activations.
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

// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float32's resolution
// of GELU's values); its exp(-z^2) is also the Gaussian density GELU's derivative needs.
const P = 0.3275911, A1 = 0.254829592, A2 = -0.284496736, A3 = 1.421413741, A4 = -1.453152027, A5 = 1.061405429
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)
const C = Math.sqrt(2 / Math.PI), K = 0.044715

function geluForward(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i], z = v * Math.SQRT1_2, az = z < 0 ? -z : z
    const t = 1 / (1 + P * az)
    const erfAbs = 1 - ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t * Math.exp(-az * az)
    y[i] = 0.5 * v * (1 + (z < 0 ? -erfAbs : erfAbs))
  }
}

// d gelu = Phi(x) + x phi(x)
function geluBackward(x: Float32Array, g: Float32Array, gx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i], z = v * Math.SQRT1_2, az = z < 0 ? -z : z
    const t = 1 / (1 + P * az)
    const e = Math.exp(-az * az)
    const erfAbs = 1 - ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t * e
    gx[i] = g[i] * (0.5 * (1 + (z < 0 ? -erfAbs : erfAbs)) + v * e * INV_SQRT_2PI)
  }
}

// tanh(u) = 1 - 2 / (e^{2u} + 1): one exp, exact at the extremes (e^{2u} = 0 or Infinity)
function geluTanhForward(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]
    const th = 1 - 2 / (Math.exp(2 * C * (v + K * v * v * v)) + 1)
    y[i] = 0.5 * v * (1 + th)
  }
}

// d = (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 K x^2)
function geluTanhBackward(x: Float32Array, g: Float32Array, gx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]
    const th = 1 - 2 / (Math.exp(2 * C * (v + K * v * v * v)) + 1)
    gx[i] = g[i] * (0.5 * (1 + th) + 0.5 * v * (1 - th * th) * C * (1 + 3 * K * v * v))
  }
}

const geluFn = defineFunction({
  name: 'gelu',
  onceDifferentiable: true,
  forward(ctx, x: Tensor, tanh: boolean) {
    const xc = x.contiguous()
    const y = Tensor.empty(x.shape, 'float32')
    ;(tanh ? geluTanhForward : geluForward)(xc.contiguousData() as Float32Array, y.storage.data as Float32Array)
    ctx.saveForBackward(xc)
    ctx.tanh = tanh
    return y
  },
  backward(ctx, g) {
    const [x] = ctx.savedTensors
    const gx = Tensor.empty(x.shape, 'float32')
    const gd = (g.dtype === 'float32' ? g : g.to('float32')).contiguousData() as Float32Array
    ;(ctx.tanh ? geluTanhBackward : geluBackward)(x.contiguousData() as Float32Array, gd, gx.storage.data as Float32Array)
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
 * Per-batch strided gemm over the H heads: C_h = alpha op(A_h) op(B_h), where
 * each operand is given by (array, offset, head stride, row stride, column stride).
 */
function headGemm(
  H: number, m: number, n: number, k: number, alpha: number,
  a: FloatArray, aOffset: number, aBatchStride: number, aRowStride: number, aColStride: number,
  b: FloatArray, bOffset: number, bBatchStride: number, bRowStride: number, bColStride: number,
  c: FloatArray, cOffset: number, cBatchStride: number, cRowStride: number,
): void {
  const gemm = getBackend().gemm
  if (cBatchStride >= (m - 1) * cRowStride + n) {
    gemm({ batch: H, m, n, k, alpha, beta: 0, a, aOffset, aBatchStride, aRowStride, aColStride, b, bOffset, bBatchStride, bRowStride, bColStride, c, cOffset, cBatchStride, cRowStride })
    return
  }
  // heads interleaved in C (columns h*D of [T, E] rows): the native gemm refuses a
  // batch whose C blocks' bounding boxes overlap, so one call per head
  for (let h = 0; h < H; h++) {
    gemm({
      batch: 1, m, n, k, alpha, beta: 0,
      a, aOffset: aOffset + h * aBatchStride, aBatchStride: 0, aRowStride, aColStride,
      b, bOffset: bOffset + h * bBatchStride, bBatchStride: 0, bRowStride, bColStride,
      c, cOffset: cOffset + h * cBatchStride, cBatchStride: 0, cRowStride,
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
    const TT = T * T
    const s = scratch(0, B * H * TT)
    const probs = Tensor.empty([B, H, T, T], 'float32')
    const p = probs.storage.data as Float32Array
    const y = Tensor.empty([B, T, E], 'float32')
    const yd = y.storage.data as Float32Array
    for (let b = 0; b < B; b++) {
      const o = b * T * E3
      // S = scale Q K^T: Q rows at o + t*3E + h*D; K^T (p, j) = K[j, p]
      headGemm(H, T, T, D, scale, q, o, D, E3, 1, q, o + E, D, 1, E3, s, b * H * TT, TT, T)
    }
    // causal mask: row i keeps keys 0..i
    for (let r = 0; r < B * H * T; r++) {
      const i = r % T, base = r * T
      for (let j = i + 1; j < T; j++) s[base + j] = -Infinity
    }
    getBackend().softmax(s, p, B * H * T, T)
    for (let b = 0; b < B; b++) {
      const o = b * T * E3
      // Y = P V, written straight into [B, T, E] (head h at columns h*D)
      headGemm(H, T, D, T, 1, p, b * H * TT, TT, T, 1, q, o + 2 * E, D, E3, 1, yd, b * T * E, D, E)
    }
    ctx.saveForBackward(x, probs)
    ctx.dims = { B, T, H, D, E } satisfies Dims
    return y
  },
  backward(ctx, g) {
    const [x, probs] = ctx.savedTensors
    const { B, T, H, D, E } = ctx.dims as Dims
    const E3 = 3 * E, TT = T * T
    const scale = 1 / Math.sqrt(D)
    const q = x.contiguousData() as Float32Array
    const p = probs.storage.data as Float32Array
    const gy = (g.dtype === 'float32' ? g : g.to('float32')).contiguousData() as Float32Array
    const dp = scratch(0, B * H * TT), ds = scratch(1, B * H * TT)
    const gx = Tensor.empty([B, T, E3], 'float32')
    const gq = gx.storage.data as Float32Array
    for (let b = 0; b < B; b++) {
      // dP = dY V^T
      headGemm(H, T, T, D, 1, gy, b * T * E, D, E, 1, q, b * T * E3 + 2 * E, D, 1, E3, dp, b * H * TT, TT, T)
    }
    // dS = P (dP - rowsum(dP P)); masked entries have P = 0, so dS = 0 there
    getBackend().softmaxBackward(p, dp, ds, B * H * T, T)
    for (let b = 0; b < B; b++) {
      const o = b * T * E3, pb = b * H * TT
      // dQ = scale dS K
      headGemm(H, T, D, T, scale, ds, pb, TT, T, 1, q, o + E, D, E3, 1, gq, o, D, E3)
      // dK = scale dS^T Q
      headGemm(H, T, D, T, scale, ds, pb, TT, 1, T, q, o, D, E3, 1, gq, o + E, D, E3)
      // dV = P^T dY
      headGemm(H, T, D, T, 1, p, pb, TT, 1, T, gy, b * T * E, D, E, 1, gq, o + 2 * E, D, E3)
    }
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
