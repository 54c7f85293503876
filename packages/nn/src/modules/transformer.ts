// Transformer encoder and decoder layers (post-LN as in "Attention Is All You
// Need", or pre-LN with normFirst), and stacks of them. Same submodule names
// as PyTorch (selfAttn, linear1, norm1, ...), camelCased.
import { Tensor, ValueError } from '@adjoint/core'
import { Module } from '../module.js'
import { Dropout } from './activation.js'
import { MultiheadAttention } from './attention.js'
import { KVCache } from './kv-cache.js'
import { ModuleList } from './container.js'
import { Linear, checkSize, type LayerOptions } from './linear.js'
import { LayerNorm } from './normalization.js'

export type Activation = 'relu' | 'gelu' | ((x: Tensor) => Tensor)

export interface TransformerLayerOptions extends LayerOptions {
  dimFeedforward?: number
  dropout?: number
  activation?: Activation
  layerNormEps?: number
  batchFirst?: boolean
  /** Pre-LN (x + f(norm(x))) instead of post-LN (norm(x + f(x))). */
  normFirst?: boolean
  bias?: boolean
}

function activationFn(a: Activation | undefined): (x: Tensor) => Tensor {
  if (a === undefined || a === 'relu') return (x) => x.relu()
  if (a === 'gelu') return (x) => x.gelu()
  if (typeof a === 'function') return a
  throw new ValueError(`Transformer layer: activation must be 'relu', 'gelu' or a function, got ${JSON.stringify(a)}`)
}

export interface EncoderLayerForwardOptions {
  srcMask?: Tensor | null
  srcKeyPaddingMask?: Tensor | null
  isCausal?: boolean
}

/** self-attention + feed-forward, each with a residual connection and layer norm. */
export class TransformerEncoderLayer extends Module {
  selfAttn: MultiheadAttention
  linear1: Linear
  dropout: Dropout
  linear2: Linear
  norm1: LayerNorm
  norm2: LayerNorm
  dropout1: Dropout
  dropout2: Dropout
  readonly normFirst: boolean
  readonly activation: (x: Tensor) => Tensor

  constructor(readonly dModel: number, readonly nhead: number, opts: TransformerLayerOptions = {}) {
    super()
    checkSize('TransformerEncoderLayer', 'dModel', dModel)
    const ff = opts.dimFeedforward ?? 2048, p = opts.dropout ?? 0.1, eps = opts.layerNormEps ?? 1e-5
    const common = { dtype: opts.dtype, bias: opts.bias }
    this.selfAttn = new MultiheadAttention(dModel, nhead, { ...common, dropout: p, batchFirst: opts.batchFirst })
    this.linear1 = new Linear(dModel, ff, common)
    this.dropout = new Dropout(p)
    this.linear2 = new Linear(ff, dModel, common)
    this.norm1 = new LayerNorm(dModel, { eps, dtype: opts.dtype, bias: opts.bias })
    this.norm2 = new LayerNorm(dModel, { eps, dtype: opts.dtype, bias: opts.bias })
    this.dropout1 = new Dropout(p)
    this.dropout2 = new Dropout(p)
    this.normFirst = opts.normFirst ?? false
    this.activation = activationFn(opts.activation)
  }

  private saBlock(x: Tensor, o: EncoderLayerForwardOptions): Tensor {
    const [y] = this.selfAttn.forward(x, x, x, { attnMask: o.srcMask, keyPaddingMask: o.srcKeyPaddingMask, isCausal: o.isCausal, needWeights: false })
    return this.dropout1.forward(y)
  }

  private ffBlock(x: Tensor): Tensor {
    return this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.activation(this.linear1.forward(x)))))
  }

  override forward(src: Tensor, opts: EncoderLayerForwardOptions = {}): Tensor {
    let x = src
    if (this.normFirst) {
      x = x.add(this.saBlock(this.norm1.forward(x), opts))
      x = x.add(this.ffBlock(this.norm2.forward(x)))
    } else {
      x = this.norm1.forward(x.add(this.saBlock(x, opts)))
      x = this.norm2.forward(x.add(this.ffBlock(x)))
    }
    return x
  }
}

/** Per-layer caches of a decoder layer during incremental decoding. */
export interface DecoderLayerCache {
  self: KVCache
  cross: KVCache
}

export function decoderLayerCache(): DecoderLayerCache {
  return { self: new KVCache(), cross: new KVCache({ static: true }) }
}

export interface DecoderLayerForwardOptions {
  tgtMask?: Tensor | null
  memoryMask?: Tensor | null
  tgtKeyPaddingMask?: Tensor | null
  memoryKeyPaddingMask?: Tensor | null
  tgtIsCausal?: boolean
  memoryIsCausal?: boolean
  /** Incremental decoding: tgt holds only the new positions; past keys/values live in the cache. */
  cache?: DecoderLayerCache | null
}

/** self-attention, cross-attention over the memory, feed-forward; each with residual and layer norm. */
export class TransformerDecoderLayer extends Module {
  selfAttn: MultiheadAttention
  multiheadAttn: MultiheadAttention
  linear1: Linear
  dropout: Dropout
  linear2: Linear
  norm1: LayerNorm
  norm2: LayerNorm
  norm3: LayerNorm
  dropout1: Dropout
  dropout2: Dropout
  dropout3: Dropout
  readonly normFirst: boolean
  readonly activation: (x: Tensor) => Tensor

  constructor(readonly dModel: number, readonly nhead: number, opts: TransformerLayerOptions = {}) {
    super()
    checkSize('TransformerDecoderLayer', 'dModel', dModel)
    const ff = opts.dimFeedforward ?? 2048, p = opts.dropout ?? 0.1, eps = opts.layerNormEps ?? 1e-5
    const common = { dtype: opts.dtype, bias: opts.bias }
    this.selfAttn = new MultiheadAttention(dModel, nhead, { ...common, dropout: p, batchFirst: opts.batchFirst })
    this.multiheadAttn = new MultiheadAttention(dModel, nhead, { ...common, dropout: p, batchFirst: opts.batchFirst })
    this.linear1 = new Linear(dModel, ff, common)
    this.dropout = new Dropout(p)
    this.linear2 = new Linear(ff, dModel, common)
    this.norm1 = new LayerNorm(dModel, { eps, dtype: opts.dtype, bias: opts.bias })
    this.norm2 = new LayerNorm(dModel, { eps, dtype: opts.dtype, bias: opts.bias })
    this.norm3 = new LayerNorm(dModel, { eps, dtype: opts.dtype, bias: opts.bias })
    this.dropout1 = new Dropout(p)
    this.dropout2 = new Dropout(p)
    this.dropout3 = new Dropout(p)
    this.normFirst = opts.normFirst ?? false
    this.activation = activationFn(opts.activation)
  }

  private saBlock(x: Tensor, o: DecoderLayerForwardOptions): Tensor {
    const [y] = this.selfAttn.forward(x, x, x, { attnMask: o.tgtMask, keyPaddingMask: o.tgtKeyPaddingMask, isCausal: o.tgtIsCausal, needWeights: false, cache: o.cache?.self })
    return this.dropout1.forward(y)
  }

  private mhaBlock(x: Tensor, mem: Tensor, o: DecoderLayerForwardOptions): Tensor {
    const [y] = this.multiheadAttn.forward(x, mem, mem, { attnMask: o.memoryMask, keyPaddingMask: o.memoryKeyPaddingMask, isCausal: o.memoryIsCausal, needWeights: false, cache: o.cache?.cross })
    return this.dropout2.forward(y)
  }

  private ffBlock(x: Tensor): Tensor {
    return this.dropout3.forward(this.linear2.forward(this.dropout.forward(this.activation(this.linear1.forward(x)))))
  }

  override forward(tgt: Tensor, memory: Tensor, opts: DecoderLayerForwardOptions = {}): Tensor {
    let x = tgt
    if (this.normFirst) {
      x = x.add(this.saBlock(this.norm1.forward(x), opts))
      x = x.add(this.mhaBlock(this.norm2.forward(x), memory, opts))
      x = x.add(this.ffBlock(this.norm3.forward(x)))
    } else {
      x = this.norm1.forward(x.add(this.saBlock(x, opts)))
      x = this.norm2.forward(x.add(this.mhaBlock(x, memory, opts)))
      x = this.norm3.forward(x.add(this.ffBlock(x)))
    }
    return x
  }
}

/** numLayers encoder layers made by `layer(i)`, then an optional final norm. */
export class TransformerEncoder extends Module {
  layers: ModuleList<TransformerEncoderLayer>
  norm: Module | null

  constructor(layer: (i: number) => TransformerEncoderLayer, readonly numLayers: number, opts: { norm?: Module & { forward(x: Tensor): Tensor } | null } = {}) {
    super()
    checkSize('TransformerEncoder', 'numLayers', numLayers)
    this.layers = new ModuleList(Array.from({ length: numLayers }, (_, i) => layer(i)))
    this.norm = opts.norm ?? null
  }

  override forward(src: Tensor, opts: { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null; isCausal?: boolean } = {}): Tensor {
    let x = src
    for (const l of this.layers) x = l.forward(x, { srcMask: opts.mask, srcKeyPaddingMask: opts.srcKeyPaddingMask, isCausal: opts.isCausal })
    return this.norm ? this.norm.forward(x) : x
  }
}

/** numLayers decoder layers made by `layer(i)`, then an optional final norm. */
export class TransformerDecoder extends Module {
  layers: ModuleList<TransformerDecoderLayer>
  norm: Module | null

  constructor(layer: (i: number) => TransformerDecoderLayer, readonly numLayers: number, opts: { norm?: Module & { forward(x: Tensor): Tensor } | null } = {}) {
    super()
    checkSize('TransformerDecoder', 'numLayers', numLayers)
    this.layers = new ModuleList(Array.from({ length: numLayers }, (_, i) => layer(i)))
    this.norm = opts.norm ?? null
  }

  /** One cache per layer, for incremental decoding. */
  makeCache(): DecoderLayerCache[] {
    return Array.from({ length: this.numLayers }, () => decoderLayerCache())
  }

  override forward(tgt: Tensor, memory: Tensor, opts: Omit<DecoderLayerForwardOptions, 'cache'> & { cache?: DecoderLayerCache[] | null } = {}): Tensor {
    let x = tgt
    let i = 0
    for (const l of this.layers) x = l.forward(x, memory, { ...opts, cache: opts.cache ? opts.cache[i++] : null })
    return this.norm ? this.norm.forward(x) : x
  }
}

