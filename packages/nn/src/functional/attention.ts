// Attention: core's scaledDotProductAttention (fused kernels, strided q/k/v, KV-cache
// friendly causal form) under torch.nn.functional's name.
import { Tensor, scaledDotProductAttention as sdpa, type SdpaOptions } from '@adjoint/core'

export type { SdpaOptions }

/** softmax(q k^T * scale + attnMask) v: see core's scaledDotProductAttention. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: SdpaOptions & { /** @deprecated attnMask */ mask?: Tensor | null } = {}): Tensor {
  const { mask, ...rest } = opts
  return sdpa(q, k, v, mask !== undefined && rest.attnMask === undefined ? { ...rest, attnMask: mask } : rest)
}

/** A [L, S] bool mask, true where key j comes after query i + offset (the positions to block). */
export function causalMask(L: number, S: number, offset = 0): Tensor {
  const m = Tensor.zeros([L, S], 'bool')
  const d = m.storage.data
  for (let i = 0; i < L; i++) for (let j = Math.max(0, i + offset + 1); j < S; j++) d[i * S + j] = 1
  return m
}
