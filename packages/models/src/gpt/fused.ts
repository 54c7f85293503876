// A fused float32 kernel for the GPT's attention, one autograd node with a
// hand-written backward (like PyTorch's F.scaled_dot_product_attention), instead
// of a chain of ops (GELU and linear are core's own single-node ops):
//
// - causal self-attention on the packed q/k/v projection [B, T, 3E]: the
//   per-head products are strided gemm calls straight on that layout (no head
//   transposes copied), softmax and its backward are the backend's row kernels.
//
// It is once-differentiable (gradients of gradients use the composed ops:
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
