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

/**
 * What both layers build the same way from their options (PyTorch's defaults): `dModel` checked, and
 * makers of their attention, feed-forward, norms and dropouts, called in field order so that
 * parameters are initialised in the same order as before.
 */
function layerParts(layer: string, dModel: number, nhead: number, opts: TransformerLayerOptions) {
  checkSize(layer, 'dModel', dModel)
  const ff = opts.dimFeedforward ?? 2048, p = opts.dropout ?? 0.1, eps = opts.layerNormEps ?? 1e-5
  const common = { dtype: opts.dtype, bias: opts.bias }
  return {
    attention: () => new MultiheadAttention(dModel, nhead, { ...common, dropout: p, batchFirst: opts.batchFirst }),
    /** linear1, dropout, linear2 */
    feedForward: () => [new Linear(dModel, ff, common), new Dropout(p), new Linear(ff, dModel, common)] as const,
    norm: () => new LayerNorm(dModel, { eps, ...common }),
    dropout: () => new Dropout(p),
    normFirst: opts.normFirst ?? false,
    activation: () => activationFn(opts.activation),
  }
}

/** The parts of the feed-forward block both layers name alike. */
interface FeedForwardParts {
  linear1: Linear
  dropout: Dropout
  linear2: Linear
  activation: (x: Tensor) => Tensor
}

/** linear2(dropout(activation(linear1(x)))); each layer adds its own final dropout. */
function feedForward(l: FeedForwardParts, x: Tensor): Tensor {
  return l.linear2.forward(l.dropout.forward(l.activation(l.linear1.forward(x))))
}

/** A residual sub-block: pre-LN x + block(norm(x)), or post-LN norm(x + block(x)). */
function residual(x: Tensor, norm: LayerNorm, normFirst: boolean, block: (x: Tensor) => Tensor): Tensor {
  return normFirst ? x.add(block(norm.forward(x))) : norm.forward(x.add(block(x)))
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
    const make = layerParts('TransformerEncoderLayer', dModel, nhead, opts)
    this.selfAttn = make.attention()
    ;[this.linear1, this.dropout, this.linear2] = make.feedForward()
    ;[this.norm1, this.norm2] = [make.norm(), make.norm()]
    ;[this.dropout1, this.dropout2] = [make.dropout(), make.dropout()]
    this.normFirst = make.normFirst
    this.activation = make.activation()
  }

  private saBlock(x: Tensor, o: EncoderLayerForwardOptions): Tensor {
    const [y] = this.selfAttn.forward(x, x, x, { attnMask: o.srcMask, keyPaddingMask: o.srcKeyPaddingMask, isCausal: o.isCausal, needWeights: false })
    return this.dropout1.forward(y)
  }

  private ffBlock(x: Tensor): Tensor {
    return this.dropout2.forward(feedForward(this, x))
  }

  override forward(src: Tensor, opts: EncoderLayerForwardOptions = {}): Tensor {
    const x = residual(src, this.norm1, this.normFirst, (h) => this.saBlock(h, opts))
    return residual(x, this.norm2, this.normFirst, (h) => this.ffBlock(h))
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
    const make = layerParts('TransformerDecoderLayer', dModel, nhead, opts)
    this.selfAttn = make.attention()
    this.multiheadAttn = make.attention()
    ;[this.linear1, this.dropout, this.linear2] = make.feedForward()
    ;[this.norm1, this.norm2, this.norm3] = [make.norm(), make.norm(), make.norm()]
    ;[this.dropout1, this.dropout2, this.dropout3] = [make.dropout(), make.dropout(), make.dropout()]
    this.normFirst = make.normFirst
    this.activation = make.activation()
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
    return this.dropout3.forward(feedForward(this, x))
  }

  override forward(tgt: Tensor, memory: Tensor, opts: DecoderLayerForwardOptions = {}): Tensor {
    let x = residual(tgt, this.norm1, this.normFirst, (h) => this.saBlock(h, opts))
    x = residual(x, this.norm2, this.normFirst, (h) => this.mhaBlock(h, memory, opts))
    return residual(x, this.norm3, this.normFirst, (h) => this.ffBlock(h))
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

