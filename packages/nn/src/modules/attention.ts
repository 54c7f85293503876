// MultiheadAttention (PyTorch's layout and masks) on core's
// scaledDotProductAttention, with an incremental key/value cache for generation.
import { DTypeError, ShapeError, Tensor, ValueError, assertTensor, fmtShape as fmt, scaledDotProductAttention, scaledDotProductAttentionMath, zeros } from '@adjoint/core'
import { linear } from '../functional/linear.js'
import { xavierUniform_, zeros_ } from '../init.js'
import { Module } from '../module.js'
import { Parameter } from '../parameter.js'
import { KVCache } from './kv-cache.js'
import { Linear, checkSize, type LayerOptions } from './linear.js'

export interface MultiheadAttentionOptions extends LayerOptions {
  /** Dropout on the attention weights (training mode only). */
  dropout?: number
  bias?: boolean
  /** Feature sizes of key and value inputs (default embedDim). */
  kdim?: number
  vdim?: number
  /** Inputs and output are [N, L, E] (true) or [L, N, E] (false, PyTorch's default). */
  batchFirst?: boolean
}

export interface MultiheadAttentionForwardOptions {
  /** [N, S]: bool true = this key is padding (ignored); float is added to the scores. */
  keyPaddingMask?: Tensor | null
  /** Return the attention weights (default true, as PyTorch). */
  needWeights?: boolean
  /** [L, S] or [N * heads, L, S]: bool true = may NOT attend (PyTorch's MHA convention); float is added. */
  attnMask?: Tensor | null
  /** Average the returned weights over heads ([N, L, S]) or not ([N, heads, L, S]); default true. */
  averageAttnWeights?: boolean
  /** Block attention to later positions (aligned so the last query sees every key, which is what a KV cache needs). */
  isCausal?: boolean
  cache?: KVCache | null
}

/**
 * Multi-head attention: out = concat_h softmax(q_h k_h^T / sqrt(d) + mask) v_h, projected.
 * Parameters as in PyTorch (inProjWeight [3E, E] packs q, k, v; or q/k/vProjWeight when
 * kdim/vdim differ from embedDim), init xavier-uniform, biases zero.
 */
export class MultiheadAttention extends Module {
  readonly headDim: number
  readonly kdim: number
  readonly vdim: number
  readonly batchFirst: boolean
  readonly dropout: number
  inProjWeight: Parameter | null = null
  qProjWeight: Parameter | null = null
  kProjWeight: Parameter | null = null
  vProjWeight: Parameter | null = null
  inProjBias: Parameter | null = null
  outProj: Linear

  constructor(readonly embedDim: number, readonly numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super()
    checkSize('MultiheadAttention', 'embedDim', embedDim)
    checkSize('MultiheadAttention', 'numHeads', numHeads)
    if (embedDim % numHeads !== 0) throw new ValueError(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`)
    this.headDim = embedDim / numHeads
    this.kdim = opts.kdim ?? embedDim
    this.vdim = opts.vdim ?? embedDim
    this.batchFirst = opts.batchFirst ?? false
    this.dropout = opts.dropout ?? 0
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new ValueError(`MultiheadAttention: dropout must be in [0, 1], got ${opts.dropout}`)
    const dtype = opts.dtype ?? 'float32'
    const E = embedDim
    if (this.kdim === E && this.vdim === E) {
      this.inProjWeight = new Parameter(Tensor.zeros([3 * E, E], dtype))
    } else {
      this.qProjWeight = new Parameter(Tensor.zeros([E, E], dtype))
      this.kProjWeight = new Parameter(Tensor.zeros([E, this.kdim], dtype))
      this.vProjWeight = new Parameter(Tensor.zeros([E, this.vdim], dtype))
    }
    if (opts.bias !== false) this.inProjBias = new Parameter(zeros([3 * E], { dtype }))
    this.outProj = new Linear(E, E, { bias: opts.bias !== false, dtype })
    this.resetParameters()
  }

  resetParameters(): void {
    for (const w of [this.inProjWeight, this.qProjWeight, this.kProjWeight, this.vProjWeight]) if (w) xavierUniform_(w)
    if (this.inProjBias) zeros_(this.inProjBias)
    if (this.outProj.bias) zeros_(this.outProj.bias)
  }

  private projectQ(x: Tensor): Tensor {
    const E = this.embedDim, b = this.inProjBias
    return linear(x, this.inProjWeight ? this.inProjWeight.slice(0, 0, E) : this.qProjWeight!, b ? b.slice(0, 0, E) : null)
  }

  private projectKV(key: Tensor, value: Tensor): [Tensor, Tensor] {
    const E = this.embedDim, b = this.inProjBias
    if (this.inProjWeight && key === value) {
      const kv = linear(key, this.inProjWeight.slice(0, E), b ? b.slice(0, E) : null)
      return [kv.slice(-1, 0, E), kv.slice(-1, E)]
    }
    const wk = this.inProjWeight ? this.inProjWeight.slice(0, E, 2 * E) : this.kProjWeight!
    const wv = this.inProjWeight ? this.inProjWeight.slice(0, 2 * E) : this.vProjWeight!
    return [linear(key, wk, b ? b.slice(0, E, 2 * E) : null), linear(value, wv, b ? b.slice(0, 2 * E) : null)]
  }

  /** [N, len, E] -> [N, heads, len, headDim] */
  private heads(x: Tensor): Tensor {
    return x.reshape([x.shape[0], x.shape[1], this.numHeads, this.headDim]).transpose(1, 2)
  }

  /**
   * query [L, N, E] (or [N, L, E] with batchFirst, or unbatched [L, E]), key/value [S, N, kdim/vdim].
   * Returns [output, weights or null].
   */
  override forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const op = 'MultiheadAttention'
    assertTensor(op, query, 'query')
    assertTensor(op, key, 'key')
    assertTensor(op, value, 'value')
    const batched = query.ndim === 3
    if (!batched && query.ndim !== 2) throw new ShapeError(`${op}: query must be [L, N, E], [N, L, E] (batchFirst) or unbatched [L, E], got ${fmt(query.shape)}`)
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) throw new ShapeError(`${op}: query ${fmt(query.shape)}, key ${fmt(key.shape)} and value ${fmt(value.shape)} must have the same number of dims`)
    if (query.shape[query.ndim - 1] !== this.embedDim) throw new ShapeError(`${op}: query's last dim must be embedDim ${this.embedDim}, got ${fmt(query.shape)}`)
    if (key.shape[key.ndim - 1] !== this.kdim || value.shape[value.ndim - 1] !== this.vdim) throw new ShapeError(`${op}: key and value must end with kdim ${this.kdim} and vdim ${this.vdim}, got ${fmt(key.shape)} and ${fmt(value.shape)}`)
    // to batch-first [N, len, E]
    const toBF = (t: Tensor) => (!batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1))
    const selfAttn = query === key && key === value
    const q0 = toBF(query), k0 = toBF(key), v0 = toBF(value)
    const N = q0.shape[0], L = q0.shape[1]
    if (k0.shape[0] !== N || v0.shape[0] !== N || k0.shape[1] !== v0.shape[1]) throw new ShapeError(`${op}: key ${fmt(key.shape)} and value ${fmt(value.shape)} must match the query's batch ${N} and each other's length`)

    let q: Tensor, k: Tensor, v: Tensor
    const cache = opts.cache ?? null
    if (cache?.static && cache.key !== null) {
      q = this.heads(this.projectQ(q0)); k = cache.key; v = cache.value!
    } else {
      if (selfAttn && this.inProjWeight) {
        const qkv = linear(q0, this.inProjWeight, this.inProjBias)
        const E = this.embedDim
        q = this.heads(qkv.slice(-1, 0, E)); k = this.heads(qkv.slice(-1, E, 2 * E)); v = this.heads(qkv.slice(-1, 2 * E))
      } else {
        q = this.heads(this.projectQ(q0))
        const [kp, vp] = this.projectKV(k0, v0)
        k = this.heads(kp); v = this.heads(vp)
      }
      if (cache) {
        if (cache.static) { cache.key = k; cache.value = v }
        else [k, v] = cache.update(k, v)
      }
    }
    const S = k.shape[2]

    // every mask as one additive mask broadcast to [N, heads, L, S]
    const H = this.numHeads
    let mask: Tensor | null = null
    const addMask = (m: Tensor, what: string) => {
      let a: Tensor
      if (m.dtype === 'bool') a = zeros(m.shape, { dtype: q.dtype }).maskedFill(m, -Infinity) // true = blocked
      else if (m.dtype === 'float32' || m.dtype === 'float64') a = m
      else throw new DTypeError(`${op}: ${what} must be bool or float, got ${m.dtype}`)
      mask = mask === null ? a : mask.add(a)
    }
    if (opts.attnMask) {
      const m = opts.attnMask
      assertTensor(op, m, 'attnMask')
      if (m.ndim === 2 && m.shape[0] === L && m.shape[1] === S) addMask(m, 'attnMask')
      else if (m.ndim === 3 && m.shape[0] === N * H && m.shape[1] === L && m.shape[2] === S) addMask(m.reshape([N, H, L, S]), 'attnMask')
      else throw new ShapeError(`${op}: attnMask must be [${L}, ${S}] or [${N * H}, ${L}, ${S}], got ${fmt(m.shape)}`)
    }
    if (opts.keyPaddingMask) {
      const m = opts.keyPaddingMask
      assertTensor(op, m, 'keyPaddingMask')
      const want = batched ? [N, S] : [S]
      if (m.ndim !== want.length || m.shape.some((s, i) => s !== want[i])) throw new ShapeError(`${op}: keyPaddingMask must be ${fmt(want)}, got ${fmt(m.shape)}`)
      addMask(m.reshape([N, 1, 1, S]), 'keyPaddingMask')
    }
    // causal aligned so the last query sees every key (queries continue the cached positions)
    const sdpa = { attnMask: mask, isCausal: opts.isCausal ?? false, queryOffset: S - L, dropoutP: this.training ? this.dropout : 0 }
    const wantWeights = opts.needWeights !== false
    // the weights come from the composed ("math") form, as in PyTorch; otherwise the fused op
    const { output, weights } = wantWeights ? scaledDotProductAttentionMath(q, k, v, sdpa) : { output: scaledDotProductAttention(q, k, v, sdpa), weights: null }
    let out = this.outProj.forward(output.transpose(1, 2).reshape([N, L, this.embedDim]))
    out = !batched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1)
    if (weights === null) return [out, null]
    let w = (opts.averageAttnWeights ?? true) ? weights.mean(1) : weights
    if (!batched) w = w.squeeze(0)
    return [out, w]
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}${this.dropout ? `, dropout=${this.dropout}` : ''}${this.batchFirst ? ', batchFirst=true' : ''}`
  }
}
