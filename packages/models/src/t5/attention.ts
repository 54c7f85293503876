// T5's attention: no 1/sqrt(d) scale (T5 folds it into the init), no biases,
// and a learned relative position bias instead of absolute positions. The
// bias is one scalar per head for each bucket of the key-minus-query distance:
// exact buckets for small distances, logarithmically wider ones up to
// maxDistance, the sign kept in the encoder (bidirectional) and only the past
// in the decoder (causal). The first layer of a stack computes it; the others
// reuse it (Raffel et al. 2020, section 2.1; HF's T5Attention). Decoding one
// token at a time with a cache, the bias row of each new position is a view of
// a table by distance made once per generation.
import { Tensor, ValueError, isGradEnabled, scaledDotProductAttention } from '@adjoint/core'
import { Embedding, KVCache, Linear, Module } from '@adjoint/nn'
import type { T5Config } from './config.js'

const f = Math.fround

/**
 * The bucket of relativePosition = key position - query position. Computed
 * with float32 rounding at each step, as PyTorch does in HF's
 * _relative_position_bucket, so the buckets match it exactly at the log boundaries.
 */
export function relativePositionBucket(relativePosition: number, bidirectional: boolean, numBuckets = 32, maxDistance = 128): number {
  if (!Number.isInteger(relativePosition)) throw new ValueError(`relativePositionBucket: relative position must be an integer, got ${relativePosition}`)
  let bucket = 0
  let nb = numBuckets
  let n: number
  if (bidirectional) {
    nb = Math.floor(nb / 2)
    if (relativePosition > 0) bucket += nb
    n = Math.abs(relativePosition)
  } else {
    n = -Math.min(relativePosition, 0)
  }
  const maxExact = Math.floor(nb / 2)
  if (n < maxExact) return bucket + n
  const large = maxExact + Math.trunc(f(f(f(Math.log(f(n / maxExact))) / f(Math.log(maxDistance / maxExact))) * (nb - maxExact)))
  return bucket + Math.min(large, nb - 1)
}

/** int32 [L, S] buckets for queries at queryOffset .. queryOffset + L - 1 and keys 0 .. S - 1. */
export function relativePositionBuckets(queryLength: number, keyLength: number, bidirectional: boolean, numBuckets: number, maxDistance: number, queryOffset = 0): Tensor {
  const out = Tensor.empty([queryLength, keyLength], 'int32')
  const d = out.storage.data
  const memo = new Map<number, number>()
  for (let i = 0; i < queryLength; i++) {
    for (let j = 0; j < keyLength; j++) {
      const rel = j - (i + queryOffset)
      let b = memo.get(rel)
      if (b === undefined) { b = relativePositionBucket(rel, bidirectional, numBuckets, maxDistance); memo.set(rel, b) }
      d[i * keyLength + j] = b
    }
  }
  return out
}

/** Per decoding cache: the bias by key-minus-query distance -(n-1) .. 0 as [heads, n], and the weights it was made from. */
const biasByDistance = new WeakMap<KVCache, { weight: Tensor; version: number; table: Tensor }>()

export interface T5AttentionOptions {
  /** Keys and values come from this tensor [B, S, dModel] (cross-attention); default: x itself. */
  kv?: Tensor | null
  /** [1 or B, heads, L, S] added to the scores (padding included); computed here when null and this layer has the bias table. */
  positionBias?: Tensor | null
  /** Added to the scores, broadcastable to [B, heads, L, S]: 0, or -inf for padding keys (paddingMask). A decoder's self-attention is causal by itself. */
  padding?: Tensor | null
  /** Self-attention: past keys/values, appended to. Cross-attention: a static cache, filled on the first call. */
  cache?: KVCache | null
}

/** Multi-head attention with T5's names: q, k, v, o (no biases) and relative_attention_bias [buckets, heads] in a stack's first layer. */
export class T5Attention extends Module {
  q: Linear
  k: Linear
  v: Linear
  o: Linear
  relative_attention_bias: Embedding | null
  readonly numHeads: number
  readonly dKv: number
  readonly dropoutRate: number

  constructor(readonly config: T5Config, readonly opts: { hasRelativeAttentionBias: boolean; isDecoder: boolean }) {
    super()
    const c = config
    const inner = c.numHeads * c.dKv
    this.numHeads = c.numHeads
    this.dKv = c.dKv
    this.dropoutRate = c.dropoutRate
    this.q = new Linear(c.dModel, inner, { bias: false })
    this.k = new Linear(c.dModel, inner, { bias: false })
    this.v = new Linear(c.dModel, inner, { bias: false })
    this.o = new Linear(inner, c.dModel, { bias: false })
    this.relative_attention_bias = opts.hasRelativeAttentionBias ? new Embedding(c.relativeAttentionNumBuckets, c.numHeads) : null
  }

  /** The bias [1, heads, L, S] for L queries starting at queryOffset and S keys. */
  computeBias(queryLength: number, keyLength: number, queryOffset = 0): Tensor {
    if (!this.relative_attention_bias) throw new ValueError('T5Attention.computeBias: this layer has no relative_attention_bias (only the first layer of a stack does)')
    const c = this.config
    const buckets = relativePositionBuckets(queryLength, keyLength, !this.opts.isDecoder, c.relativeAttentionNumBuckets, c.relativeAttentionMaxDistance, queryOffset)
    return this.relative_attention_bias.forward(buckets).permute([2, 0, 1]).unsqueeze(0)
  }

  /**
   * The bias [1, heads, 1, S] of one new query at position S - 1 (keys 0 .. S - 1) while decoding
   * with `cache`: a view of the cache's table by distance, made on the first step (as long as the
   * cache's maxLength, doubled when outgrown) and again only if the weights change.
   */
  stepBias(cache: KVCache, S: number): Tensor {
    const w = this.relative_attention_bias!.weight
    let memo = biasByDistance.get(cache)
    if (!memo || memo.weight !== w || memo.version !== w.storage.version || memo.table.shape[1] < S) {
      const n = Math.max(S, cache.maxLength ?? 0, 2 * (memo?.table.shape[1] ?? 0))
      // one query at position n - 1 over keys 0 .. n - 1: column c holds distance c - (n - 1)
      memo = { weight: w, version: w.storage.version, table: this.computeBias(1, n, n - 1).reshape([this.numHeads, n]) }
      biasByDistance.set(cache, memo)
    }
    const n = memo.table.shape[1]
    return memo.table.narrow(1, n - S, S).unsqueeze(0).unsqueeze(2)
  }

  private heads(x: Tensor): Tensor {
    const [B, T] = x.shape
    return x.reshape([B, T, this.numHeads, this.dKv]).transpose(1, 2)
  }

  /** x [B, L, dModel] -> output [B, L, dModel] and the position bias used (for the next layers). */
  override forward(x: Tensor, opts: T5AttentionOptions = {}): { output: Tensor; positionBias: Tensor | null } {
    const [B, L] = x.shape
    const cache = opts.cache ?? null
    const q = this.heads(this.q.forward(x))
    let k: Tensor, v: Tensor
    const past = cache && !cache.static ? cache.length : 0
    if (cache?.static && cache.key !== null) {
      k = cache.key; v = cache.value!
    } else {
      const src = opts.kv ?? x
      k = this.heads(this.k.forward(src)); v = this.heads(this.v.forward(src))
      if (cache?.static) { cache.key = k; cache.value = v }
      else if (cache) [k, v] = cache.update(k, v)
    }
    const S = k.shape[2]
    // the additive mask: the relative position bias plus the padding's -inf, combined once by the
    // layer that computes the bias and handed on to the next layers (as HF's position_bias)
    let positionBias = opts.positionBias ?? null
    if (positionBias === null && this.relative_attention_bias) {
      const stepping = cache !== null && !cache.static && L === 1 && !isGradEnabled()
      positionBias = stepping ? this.stepBias(cache, S) : this.computeBias(L, S, past)
      if (opts.padding) positionBias = positionBias.add(opts.padding)
    }
    const mask = positionBias ?? opts.padding ?? null
    // decoder self-attention is causal; its queries continue the cached positions
    const isCausal = this.opts.isDecoder && !opts.kv
    const y = scaledDotProductAttention(q, k, v, { attnMask: mask, isCausal, queryOffset: S - L, scale: 1, dropoutP: this.training ? this.dropoutRate : 0 })
    const out = y.transpose(1, 2).reshape([B, L, this.numHeads * this.dKv])
    return { output: this.o.forward(out), positionBias }
  }
}
