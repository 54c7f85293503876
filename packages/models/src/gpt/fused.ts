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
import { Tensor, defineFunction, erfScalar as erf64, getBackend, type FloatArray } from '@adjoint/core'

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

/** Per interval j, the cubic c0 + c1 t + c2 t^2 + c3 t^3 (t in [0, 1)) through the knots' values and slopes, interleaved. */
type Cubics = Float64Array
const tables = new Map<string, { value: Cubics; slope: Cubics }>()

function cubics(f: Float64Array, df: Float64Array): Cubics {
  const h = 1 / PER, c = new Float64Array(4 * N)
  for (let j = 0; j < N; j++) {
    const f0 = f[j], f1 = f[j + 1], d0 = df[j] * h, d1 = df[j + 1] * h
    c[4 * j] = f0
    c[4 * j + 1] = d0
    c[4 * j + 2] = -3 * f0 - 2 * d0 + 3 * f1 - d1
    c[4 * j + 3] = 2 * f0 + d0 - 2 * f1 + d1
  }
  return c
}

/** The cubic Hermite pieces of GELU (value) and of its derivative (slope), built once per kind. */
function tablesFor(tanh: boolean): { value: Cubics; slope: Cubics } {
  const key = tanh ? 'tanh' : 'erf'
  let t = tables.get(key)
  if (!t) {
    const f = new Float64Array(N + 1), d1 = new Float64Array(N + 1), d2 = new Float64Array(N + 1)
    for (let i = 0; i <= N; i++) [f[i], d1[i], d2[i]] = (tanh ? geluTanhExact : geluExact)(LO + i / PER)
    t = { value: cubics(f, d1), slope: cubics(d1, d2) }
    tables.set(key, t)
  }
  return t
}

// y = gelu(x): x above HI, 0 below LO
function geluForward(x: Float32Array, y: Float32Array, tanh: boolean): void {
  const c = tablesFor(tanh).value
  for (let i = 0; i < x.length; i++) {
    const v = x[i]
    let r: number
    if (v >= HI) r = v
    else if (v > LO) {
      const s = (v - LO) * PER, j = s | 0, t = s - j, o = 4 * j
      r = c[o] + t * (c[o + 1] + t * (c[o + 2] + t * c[o + 3]))
    } else r = 0
    y[i] = r
  }
}

// gx = g gelu'(x): the slope is 1 above HI, 0 below LO
function geluBackward(x: Float32Array, g: Float32Array, gx: Float32Array, tanh: boolean): void {
  const c = tablesFor(tanh).slope
  for (let i = 0; i < x.length; i++) {
    const v = x[i]
    let r: number
    if (v >= HI) r = g[i]
    else if (v > LO) {
      const s = (v - LO) * PER, j = s | 0, t = s - j, o = 4 * j
      r = g[i] * (c[o] + t * (c[o + 1] + t * (c[o + 2] + t * c[o + 3])))
    } else r = 0
    gx[i] = r
  }
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

// ---------------------------------------------------------------- linear

const linearFn = defineFunction({
  name: 'linear',
  onceDifferentiable: true,
  forward(ctx, x: Tensor, w: Tensor, b: Tensor | null) {
    const xc = x.contiguous()
    const [out, inF] = w.shape
    const rows = xc.numel() / inF
    const y = Tensor.empty([...x.shape.slice(0, -1), out], 'float32')
    const yd = y.storage.data as Float32Array
    // y = bias rows, then y += x W^T (one gemm with beta = 1): no separate broadcast add
    if (b) {
      const bd = b.contiguousData() as Float32Array
      for (let r = 0; r < rows; r++) yd.set(bd, r * out)
    }
    const wd = w.contiguousData() as Float32Array
    getBackend().gemm({
      batch: 1, m: rows, n: out, k: inF, alpha: 1, beta: b ? 1 : 0,
      a: xc.contiguousData() as Float32Array, aOffset: 0, aBatchStride: 0, aRowStride: inF, aColStride: 1,
      b: wd, bOffset: 0, bBatchStride: 0, bRowStride: 1, bColStride: inF,
      c: yd, cOffset: 0, cBatchStride: 0, cRowStride: out,
    })
    ctx.saveForBackward(xc, w)
    ctx.hasBias = b !== null
    return y
  },
  backward(ctx, g) {
    const [x, w] = ctx.savedTensors
    const [out, inF] = w.shape
    const rows = x.numel() / inF
    const gd = (g.dtype === 'float32' ? g : g.to('float32')).contiguousData() as Float32Array
    const xd = x.contiguousData() as Float32Array, wd = w.contiguousData() as Float32Array
    const gemm = getBackend().gemm
    let gx: Tensor | null = null, gw: Tensor | null = null, gb: Tensor | null = null
    if (ctx.needsInputGrad[0]) {
      // dx = g W
      gx = Tensor.empty(x.shape, 'float32')
      gemm({ batch: 1, m: rows, n: inF, k: out, alpha: 1, beta: 0, a: gd, aOffset: 0, aBatchStride: 0, aRowStride: out, aColStride: 1, b: wd, bOffset: 0, bBatchStride: 0, bRowStride: inF, bColStride: 1, c: gx.storage.data as Float32Array, cOffset: 0, cBatchStride: 0, cRowStride: inF })
    }
    if (ctx.needsInputGrad[1]) {
      // dW = g^T x, straight in W's [out, in] layout
      gw = Tensor.empty([out, inF], 'float32')
      gemm({ batch: 1, m: out, n: inF, k: rows, alpha: 1, beta: 0, a: gd, aOffset: 0, aBatchStride: 0, aRowStride: 1, aColStride: out, b: xd, bOffset: 0, bBatchStride: 0, bRowStride: inF, bColStride: 1, c: gw.storage.data as Float32Array, cOffset: 0, cBatchStride: 0, cRowStride: inF })
    }
    if (ctx.hasBias && ctx.needsInputGrad[2]) {
      // db = column sums of g (float64 accumulation)
      const acc = new Float64Array(out)
      for (let r = 0, base = 0; r < rows; r++, base += out) for (let j = 0; j < out; j++) acc[j] += gd[base + j]
      gb = Tensor.empty([out], 'float32')
      ;(gb.storage.data as Float32Array).set(acc)
    }
    return [gx, gw, gb]
  },
})

/** y = x W^T + b (W [out, in]) as one node: bias folded into the gemm, the weight gradient computed in W's layout. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  if (!fused || x.dtype !== 'float32' || weight.dtype !== 'float32' || (bias && bias.dtype !== 'float32') || x.shape[x.ndim - 1] !== weight.shape[1]) {
    return bias ? x.matmul(weight.t()).add(bias) : x.matmul(weight.t())
  }
  return linearFn(x, weight, bias)
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
