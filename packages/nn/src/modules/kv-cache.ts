// The key/value cache of one attention layer, for incremental decoding: keys
// and values [N, heads, S, headDim] of the positions seen so far, kept in
// preallocated buffers that new positions are written into in place (no
// concatenation per token); `key` and `value` are views of the filled part.
import { ShapeError, Tensor, ValueError, cat, fmtShape, isGradEnabled, keep, noGrad } from '@adjoint/core'

export interface KVCacheOptions {
  /** Cross-attention: keys/values are computed from the first call's memory and reused. */
  static?: boolean
  /** Positions to preallocate room for (e.g. the model's block size); the buffers grow by doubling past it. */
  maxLength?: number
}

/**
 * Projected keys and values kept between calls. Self-attention appends each
 * call's new keys/values (update); a static cache (cross-attention) is set once.
 */
export class KVCache {
  /** Keys and values of the cached positions, [N, heads, length, headDim] (views of the buffers). */
  key: Tensor | null = null
  value: Tensor | null = null
  readonly static: boolean
  readonly maxLength: number | null
  private kBuf: Tensor | null = null
  private vBuf: Tensor | null = null

  constructor(opts: KVCacheOptions = {}) {
    this.static = opts.static ?? false
    const m = opts.maxLength ?? null
    if (m !== null && (!Number.isInteger(m) || m < 1)) throw new ValueError(`KVCache: maxLength must be a positive integer, got ${m}`)
    this.maxLength = m
  }

  /** Number of cached positions. */
  get length(): number {
    return this.key === null ? 0 : this.key.shape[2]
  }

  /** Positions the buffers hold before they must grow. */
  get capacity(): number {
    return this.kBuf === null ? 0 : this.kBuf.shape[2]
  }

  /**
   * Appends keys k and values v [N, heads, T, headDim] after the cached positions and
   * returns all of them. Written in place into the buffers; when a gradient must flow
   * through them (grad mode on and k or v requiring grad) it concatenates instead.
   */
  update(k: Tensor, v: Tensor): [Tensor, Tensor] {
    if (this.static) throw new ValueError('KVCache.update: a static cache is set once (assign key and value)')
    if (k.ndim !== 4 || v.ndim !== 4 || k.shape[2] !== v.shape[2] || k.shape[0] !== v.shape[0] || k.shape[1] !== v.shape[1]) {
      throw new ShapeError(`KVCache.update: keys and values must be [N, heads, T, dim] with the same N, heads and T, got ${fmtShape(k.shape)} and ${fmtShape(v.shape)}`)
    }
    const old = this.key
    if (old !== null && (old.shape[0] !== k.shape[0] || old.shape[1] !== k.shape[1] || old.shape[3] !== k.shape[3] || this.value!.shape[3] !== v.shape[3])) {
      throw new ShapeError(`KVCache.update: the cache holds keys ${fmtShape(old.shape)}, the new keys are ${fmtShape(k.shape)} (N, heads and dim must match)`)
    }
    if (isGradEnabled() && (k.requiresGrad || v.requiresGrad)) {
      this.key = old === null ? k : cat([old, k], 2)
      this.value = old === null ? v : cat([this.value!, v], 2)
      this.kBuf = this.vBuf = null
      return [this.key, this.value]
    }
    const len = this.length, T = k.shape[2], need = len + T
    noGrad(() => {
      if (!this.fits(k, v, need) || (old !== null && old.storage !== this.kBuf!.storage)) this.grow(k, v, need)
      this.kBuf!.narrow(2, len, T).copy_(k)
      this.vBuf!.narrow(2, len, T).copy_(v)
    })
    this.key = this.kBuf!.narrow(2, 0, need)
    this.value = this.vBuf!.narrow(2, 0, need)
    return [this.key, this.value]
  }

  /** Whether the buffers can take `need` positions of keys like k and values like v. */
  private fits(k: Tensor, v: Tensor, need: number): boolean {
    const kb = this.kBuf, vb = this.vBuf
    if (kb === null || vb === null || need > kb.shape[2] || kb.dtype !== k.dtype || vb.dtype !== v.dtype) return false
    return kb.shape[0] === k.shape[0] && kb.shape[1] === k.shape[1] && kb.shape[3] === k.shape[3] && vb.shape[3] === v.shape[3]
  }

  /** New buffers with room for `need` positions (at least maxLength, or double), holding the cached ones. */
  private grow(k: Tensor, v: Tensor, need: number): void {
    const [N, H, , D] = k.shape
    const cap = Math.max(need, this.maxLength ?? 0, 2 * this.capacity)
    const kb = Tensor.zeros([N, H, cap, D], k.dtype), vb = Tensor.zeros([N, H, cap, v.shape[3]], v.dtype)
    const len = this.length
    if (len > 0) {
      kb.narrow(2, 0, len).copy_(this.key!)
      vb.narrow(2, 0, len).copy_(this.value!)
    }
    // the buffers outlive the call that filled them: a graphScope around a decoding step must not take them back
    this.kBuf = keep(kb)
    this.vBuf = keep(vb)
  }

  /** Keeps only the last n cached positions (moved to the front of the buffers). */
  keepLast(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new ValueError(`KVCache.keepLast: n must be a non-negative integer, got ${n}`)
    const len = this.length
    if (n >= len) return
    if (n === 0) { this.reset(); return }
    if (this.kBuf === null) { // concatenated (differentiable) keys: keep a view
      this.key = this.key!.narrow(2, len - n, n)
      this.value = this.value!.narrow(2, len - n, n)
      return
    }
    noGrad(() => {
      // copy through a temporary: source and destination overlap
      this.kBuf!.narrow(2, 0, n).copy_(this.key!.narrow(2, len - n, n).contiguous())
      this.vBuf!.narrow(2, 0, n).copy_(this.value!.narrow(2, len - n, n).contiguous())
    })
    this.key = this.kBuf.narrow(2, 0, n)
    this.value = this.vBuf!.narrow(2, 0, n)
  }

  /** Forgets the cached positions (the buffers are kept for reuse). */
  reset(): void {
    this.key = null
    this.value = null
  }
}
