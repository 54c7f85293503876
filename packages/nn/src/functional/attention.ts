// Scaled dot-product attention, composed of differentiable ops:
// softmax(q k^T * scale + mask) v.
import { Generator, ShapeError, Tensor, ValueError } from '@adjoint/core'
import { dropout } from './activation.js'
import { assertFloat, assertTensor, fmt } from './util.js'

export interface SdpaOptions {
  /**
   * Broadcast to [..., L, S]. A bool mask says which positions may be attended
   * (true = take part, PyTorch 2's convention); a float mask is added to the scores.
   */
  mask?: Tensor | null
  /** Each query i attends to keys j <= i (top-left aligned, as PyTorch's is_causal). */
  isCausal?: boolean
  /** Dropout on the attention weights (applied whenever > 0, as in PyTorch's functional). */
  dropoutP?: number
  /** Multiplies q k^T; default 1 / sqrt(q.size(-1)). */
  scale?: number | null
  generator?: Generator
}

/** A [L, S] bool mask, true where key j comes after query i + offset (the positions to block). */
export function causalMask(L: number, S: number, offset = 0): Tensor {
  const m = Tensor.empty([L, S], 'bool')
  const d = m.storage.data
  for (let i = 0; i < L; i++) for (let j = i + offset + 1; j < S; j++) if (j >= 0) d[i * S + j] = 1
  return m
}

export interface AttendOptions {
  /** bool masks, true = blocked; all are ORed together. */
  blocked?: readonly Tensor[]
  /** float masks added to the scores. */
  additive?: readonly Tensor[]
  scale: number
  dropoutP: number
  generator?: Generator
}

/** 0 where allowed, -inf where blocked (a constant: no gradient). */
function toAdditive(blocked: Tensor, dtype: Tensor['dtype']): Tensor {
  const out = Tensor.empty(blocked.shape, dtype)
  const src = blocked.contiguousData(), d = out.storage.data
  for (let i = 0; i < d.length; i++) if (src[i]) d[i] = -Infinity
  return out
}

/** The attention core shared by scaledDotProductAttention and MultiheadAttention: output and weights. */
export function attend(q: Tensor, k: Tensor, v: Tensor, opts: AttendOptions): { output: Tensor; weights: Tensor } {
  // scale q (smaller than the scores) before the product, as PyTorch's MHA does
  let scores = q.mul(opts.scale).matmul(k.transpose(-2, -1))
  const blocked = opts.blocked ?? []
  // blocked positions become an additive -inf mask at the masks' (small, broadcast) shape:
  // one broadcast add instead of a full-size where()
  if (blocked.length > 0) scores = scores.add(toAdditive(blocked.reduce((a, b) => a.logicalOr(b)), scores.dtype))
  for (const m of opts.additive ?? []) scores = scores.add(m)
  let weights = scores.softmax(-1)
  if (opts.dropoutP > 0) weights = dropout(weights, opts.dropoutP, true, { generator: opts.generator })
  return { output: weights.matmul(v), weights }
}

/**
 * softmax(q k^T * scale + mask) v for q [..., L, E], k [..., S, E], v [..., S, Ev]
 * (batch dims broadcast): the attention of PyTorch's F.scaled_dot_product_attention.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: SdpaOptions = {}): Tensor {
  for (const [t, what] of [[q, 'query'], [k, 'key'], [v, 'value']] as const) {
    assertTensor('scaledDotProductAttention', t, what)
    assertFloat('scaledDotProductAttention', t, what)
    if (t.ndim < 2) throw new ShapeError(`scaledDotProductAttention: ${what} must have at least 2 dims [..., len, dim], got ${fmt(t.shape)}`)
  }
  const L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2], E = q.shape[q.ndim - 1]
  if (k.shape[k.ndim - 1] !== E) throw new ShapeError(`scaledDotProductAttention: query ${fmt(q.shape)} and key ${fmt(k.shape)} must have the same last dim`)
  if (v.shape[v.ndim - 2] !== S) throw new ShapeError(`scaledDotProductAttention: key ${fmt(k.shape)} and value ${fmt(v.shape)} must have the same length (dim -2)`)
  const dropoutP = opts.dropoutP ?? 0
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw new ValueError(`scaledDotProductAttention: dropoutP must be in [0, 1], got ${dropoutP}`)
  const blocked: Tensor[] = [], additive: Tensor[] = []
  if (opts.isCausal) blocked.push(causalMask(L, S))
  if (opts.mask) {
    assertTensor('scaledDotProductAttention', opts.mask, 'mask')
    if (opts.mask.dtype === 'bool') blocked.push(opts.mask.logicalNot())
    else additive.push(opts.mask)
  }
  return attend(q, k, v, { blocked, additive, scale: opts.scale ?? 1 / Math.sqrt(E), dropoutP, generator: opts.generator }).output
}
