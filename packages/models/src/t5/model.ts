// T5 (Raffel et al. 2020): a shared token embedding, an encoder stack and a
// decoder stack of pre-norm blocks (RMSNorm, "T5's LayerNorm without mean or
// bias"), relative position bias instead of absolute positions, ReLU or
// gated-GELU feed-forward, decoder cross-attention over the encoder output,
// and an LM head (tied to the embedding with T5's dModel^-0.5 rescale, or untied).
//
// Field names are Hugging Face's (`shared`, `encoder.block.0.layer.0.SelfAttention.q`,
// `decoder.block.0.layer.1.EncDecAttention.k`, `layer_norm`, `DenseReluDense.wi`,
// `final_layer_norm`, `lm_head`), so stateDict() keys are HF's. Documented
// difference: HF also lists `encoder.embed_tokens.weight` and
// `decoder.embed_tokens.weight` (and `lm_head.weight` when tied), aliases of
// `shared.weight`; here the stacks hold the shared embedding by reference, so
// it is listed once. t5HfStateDictToAdjoint drops the aliases.
import { ShapeError, Tensor, ValueError, fmtShape, linear } from '@adjoint/core'
import { Dropout, Embedding, F, KVCache, Linear, Module, ModuleList, RMSNorm, init, type StateDict } from '@adjoint/nn'
import { T5Attention } from './attention.js'
import { t5Config, type T5Config } from './config.js'


/** wo(dropout(relu(wi x))) */
export class T5DenseActDense extends Module {
  wi: Linear
  wo: Linear
  dropout: Dropout

  constructor(c: T5Config) {
    super()
    this.wi = new Linear(c.dModel, c.dFf, { bias: false })
    this.wo = new Linear(c.dFf, c.dModel, { bias: false })
    this.dropout = new Dropout(c.dropoutRate)
  }

  override forward(x: Tensor): Tensor {
    return this.wo.forward(this.dropout.forward(this.wi.forward(x).relu()))
  }
}

/** wo(dropout(gelu_tanh(wi_0 x) * wi_1 x)) (T5 v1.1) */
export class T5DenseGatedActDense extends Module {
  wi_0: Linear
  wi_1: Linear
  wo: Linear
  dropout: Dropout

  constructor(c: T5Config) {
    super()
    this.wi_0 = new Linear(c.dModel, c.dFf, { bias: false })
    this.wi_1 = new Linear(c.dModel, c.dFf, { bias: false })
    this.wo = new Linear(c.dFf, c.dModel, { bias: false })
    this.dropout = new Dropout(c.dropoutRate)
  }

  override forward(x: Tensor): Tensor {
    const gate = F.linearGelu(x, this.wi_0.weight, null, { approximate: 'tanh' }) // wi_0 and its GELU as one fused op
    return this.wo.forward(this.dropout.forward(gate.mul(this.wi_1.forward(x))))
  }
}

/** x + dropout(ff(norm(x))) */
export class T5LayerFF extends Module {
  DenseReluDense: T5DenseActDense | T5DenseGatedActDense
  layer_norm: RMSNorm
  dropout: Dropout

  constructor(c: T5Config) {
    super()
    this.DenseReluDense = c.feedForwardProj === 'gated-gelu' ? new T5DenseGatedActDense(c) : new T5DenseActDense(c)
    this.layer_norm = new RMSNorm(c.dModel, { eps: c.layerNormEpsilon })
    this.dropout = new Dropout(c.dropoutRate)
  }

  override forward(x: Tensor): Tensor {
    return x.add(this.dropout.forward(this.DenseReluDense.forward(this.layer_norm.forward(x))))
  }
}

/** x + dropout(selfAttention(norm(x))) */
export class T5LayerSelfAttention extends Module {
  SelfAttention: T5Attention
  layer_norm: RMSNorm
  dropout: Dropout

  constructor(c: T5Config, hasRelativeAttentionBias: boolean, isDecoder: boolean) {
    super()
    this.SelfAttention = new T5Attention(c, { hasRelativeAttentionBias, isDecoder })
    this.layer_norm = new RMSNorm(c.dModel, { eps: c.layerNormEpsilon })
    this.dropout = new Dropout(c.dropoutRate)
  }

  override forward(x: Tensor, positionBias: Tensor | null, padding: Tensor | null, cache: KVCache | null): { x: Tensor; positionBias: Tensor | null } {
    const r = this.SelfAttention.forward(this.layer_norm.forward(x), { positionBias, padding, cache })
    return { x: x.add(this.dropout.forward(r.output)), positionBias: r.positionBias }
  }
}

/** x + dropout(crossAttention(norm(x), encoderOutput)) */
export class T5LayerCrossAttention extends Module {
  EncDecAttention: T5Attention
  layer_norm: RMSNorm
  dropout: Dropout

  constructor(c: T5Config) {
    super()
    this.EncDecAttention = new T5Attention(c, { hasRelativeAttentionBias: false, isDecoder: true })
    this.layer_norm = new RMSNorm(c.dModel, { eps: c.layerNormEpsilon })
    this.dropout = new Dropout(c.dropoutRate)
  }

  override forward(x: Tensor, memory: Tensor, padding: Tensor | null, cache: KVCache | null): Tensor {
    const r = this.EncDecAttention.forward(this.layer_norm.forward(x), { kv: memory, padding, cache })
    return x.add(this.dropout.forward(r.output))
  }
}

/** layer.0 self-attention, (decoder) layer.1 cross-attention, then the feed-forward. */
export class T5Block extends Module {
  layer: ModuleList
  readonly isDecoder: boolean

  constructor(c: T5Config, opts: { isDecoder: boolean; hasRelativeAttentionBias: boolean }) {
    super()
    this.isDecoder = opts.isDecoder
    const layers: Module[] = [new T5LayerSelfAttention(c, opts.hasRelativeAttentionBias, opts.isDecoder)]
    if (opts.isDecoder) layers.push(new T5LayerCrossAttention(c))
    layers.push(new T5LayerFF(c))
    this.layer = new ModuleList(layers)
  }

  override forward(x: Tensor, o: BlockInputs): { x: Tensor; positionBias: Tensor | null } {
    const sa = (this.layer.get(0) as T5LayerSelfAttention).forward(x, o.positionBias, o.padding, o.cache?.self ?? null)
    x = sa.x
    if (this.isDecoder) {
      if (!o.memory) throw new ValueError('T5Block: a decoder block needs the encoder output')
      x = (this.layer.get(1) as T5LayerCrossAttention).forward(x, o.memory, o.memoryPadding ?? null, o.cache?.cross ?? null)
    }
    x = (this.layer.get(-1) as T5LayerFF).forward(x)
    return { x, positionBias: sa.positionBias }
  }
}

interface BlockInputs {
  positionBias: Tensor | null
  /** Additive padding mask of the self-attention keys (paddingMask). */
  padding: Tensor | null
  memory?: Tensor | null
  memoryPadding?: Tensor | null
  cache?: T5LayerCache | null
}

/** A decoder layer's caches: its self-attention keys/values (grow by one position per step) and its cross-attention keys/values (computed once). */
export interface T5LayerCache {
  self: KVCache
  cross: KVCache
}

export function newT5Cache(numLayers: number, maxLength?: number): T5LayerCache[] {
  return Array.from({ length: numLayers }, () => ({ self: new KVCache({ maxLength }), cross: new KVCache({ static: true }) }))
}

export interface T5StackInputs {
  /** int32 [B, L] */
  inputIds: Tensor
  /** [B, L]: 1/true for real tokens, 0 for padding (self-attention keys). */
  attentionMask?: Tensor | null
  /** Decoder: the encoder output [B, S, dModel] and its mask [B, S]. */
  encoderHiddenStates?: Tensor | null
  encoderAttentionMask?: Tensor | null
  /** Decoder: incremental decoding caches (one per block); inputIds then hold only the new positions. */
  cache?: T5LayerCache[] | null
}

/** Embedding (the shared one), dropout, blocks, final RMSNorm, dropout. */
export class T5Stack extends Module {
  block: ModuleList<T5Block>
  final_layer_norm: RMSNorm
  dropout: Dropout
  declare readonly embed_tokens: Embedding

  constructor(readonly config: T5Config, embedTokens: Embedding, readonly isDecoder: boolean) {
    super()
    const n = isDecoder ? config.numDecoderLayers : config.numLayers
    // held by reference, not as a submodule: the embedding is the model's `shared`
    Object.defineProperty(this, 'embed_tokens', { value: embedTokens, enumerable: false })
    this.block = new ModuleList(Array.from({ length: n }, (_, i) => new T5Block(config, { isDecoder, hasRelativeAttentionBias: i === 0 })))
    this.final_layer_norm = new RMSNorm(config.dModel, { eps: config.layerNormEpsilon })
    this.dropout = new Dropout(config.dropoutRate)
  }

  override forward(inputs: T5StackInputs): Tensor {
    const what = this.isDecoder ? 'T5 decoder' : 'T5 encoder'
    const ids = inputs.inputIds
    const [B, L] = checkIds(what, ids, this.config.vocabSize)
    const cache = inputs.cache ?? null
    if (cache && (!this.isDecoder || cache.length !== this.block.length)) throw new ValueError(`${what}: a cache needs a decoder and one entry per block (${this.block.length}), got ${cache.length}`)
    const past = cache ? cache[0].self.length : 0
    const S = past + L
    // padding only: the decoder's self-attention applies its causal mask itself
    const padding = inputs.attentionMask ? paddingMask(what, 'attentionMask', inputs.attentionMask, B, S) : null
    let memory: Tensor | null = null, memoryPadding: Tensor | null = null
    if (this.isDecoder) {
      memory = inputs.encoderHiddenStates ?? null
      if (!memory || memory.ndim !== 3 || memory.shape[0] !== B || memory.shape[2] !== this.config.dModel) throw new ShapeError(`${what}: encoderHiddenStates must be [${B}, S, ${this.config.dModel}], got ${memory ? fmtShape(memory.shape) : 'none'}`)
      if (inputs.encoderAttentionMask) memoryPadding = paddingMask(what, 'encoderAttentionMask', inputs.encoderAttentionMask, B, memory.shape[1])
    }
    let x = this.dropout.forward(this.embed_tokens.forward(ids))
    let positionBias: Tensor | null = null
    let i = 0
    for (const b of this.block) {
      const r = b.forward(x, { positionBias, padding, memory, memoryPadding, cache: cache ? cache[i] : null })
      x = r.x
      positionBias = r.positionBias
      i++
    }
    return this.dropout.forward(this.final_layer_norm.forward(x))
  }
}

function checkIds(what: string, ids: Tensor, vocabSize: number): [number, number] {
  if (!(ids instanceof Tensor) || ids.dtype !== 'int32' || ids.ndim !== 2 || ids.shape[1] === 0) throw new ShapeError(`${what}: input ids must be a non-empty int32 tensor [batch, seq], got ${ids instanceof Tensor ? `${ids.dtype} ${fmtShape(ids.shape)}` : typeof ids}`)
  const d = ids.contiguousData()
  for (let i = 0; i < d.length; i++) if (d[i] < 0 || d[i] >= vocabSize) throw new ValueError(`${what}: token id ${d[i]} is out of range for a vocabulary of ${vocabSize}`)
  return [ids.shape[0], ids.shape[1]]
}

const paddingMasks = new WeakMap<Tensor, { version: number; mask: Tensor }>()

/**
 * A [B, S] keep-mask (1/true = real token) as the additive float32 mask [B, 1, 1, S] (0, or -inf
 * at padding); every row needs a real token. Made once per mask tensor (a decoding loop passes
 * the same encoder mask at every step).
 */
export function paddingMask(what: string, name: string, mask: Tensor, B: number, S: number): Tensor {
  if (mask.ndim !== 2 || mask.shape[0] !== B || mask.shape[1] !== S) throw new ShapeError(`${what}: ${name} must be [${B}, ${S}], got ${fmtShape(mask.shape)}`)
  const known = paddingMasks.get(mask)
  if (known && known.version === mask.storage.version) return known.mask
  const keep = mask.contiguousData()
  const out = Tensor.zeros([B, 1, 1, S], 'float32')
  const d = out.storage.data
  for (let b = 0; b < B; b++) {
    let any = false
    for (let s = 0; s < S; s++) if (keep[b * S + s] !== 0) any = true; else d[b * S + s] = -Infinity
    if (!any) throw new ValueError(`${what}: row ${b} of ${name} has no real token (all padding)`)
  }
  paddingMasks.set(mask, { version: mask.storage.version, mask: out })
  return out
}

export interface T5Inputs {
  /** Encoder input ids, int32 [B, S]. */
  inputIds: Tensor
  attentionMask?: Tensor | null
  /** Decoder input ids [B, L]; default shiftRight(labels). */
  decoderInputIds?: Tensor | null
  decoderAttentionMask?: Tensor | null
  /** Skip the encoder: its output for inputIds (e.g. computed once for generation). */
  encoderOutputs?: Tensor | null
}

/** HF's T5 init (Mesh TensorFlow's): N(0, factor) embeddings, attention and FF weights scaled by their fan-in, norms 1. */
export function initT5Weights(root: Module, c: T5Config): void {
  const s = c.initializerFactor
  for (const m of root.modules()) {
    if (m instanceof T5Attention) {
      init.normal_(m.q.weight, 0, s * (c.dModel * c.dKv) ** -0.5)
      init.normal_(m.k.weight, 0, s * c.dModel ** -0.5)
      init.normal_(m.v.weight, 0, s * c.dModel ** -0.5)
      init.normal_(m.o.weight, 0, s * (c.numHeads * c.dKv) ** -0.5)
      if (m.relative_attention_bias) init.normal_(m.relative_attention_bias.weight, 0, s * c.dModel ** -0.5)
    } else if (m instanceof T5DenseActDense) {
      init.normal_(m.wi.weight, 0, s * c.dModel ** -0.5)
      init.normal_(m.wo.weight, 0, s * c.dFf ** -0.5)
    } else if (m instanceof T5DenseGatedActDense) {
      init.normal_(m.wi_0.weight, 0, s * c.dModel ** -0.5)
      init.normal_(m.wi_1.weight, 0, s * c.dModel ** -0.5)
      init.normal_(m.wo.weight, 0, s * c.dFf ** -0.5)
    } else if (m instanceof RMSNorm) {
      if (m.weight) init.ones_(m.weight)
    }
  }
}

/** labels -> decoder inputs: [decoderStartTokenId, labels[:-1]] with -100 replaced by the pad id. */
export function shiftRight(labels: Tensor, decoderStartTokenId: number, padTokenId: number): Tensor {
  if (labels.dtype !== 'int32' || labels.ndim !== 2) throw new ShapeError(`shiftRight: labels must be int32 [batch, seq], got ${labels.dtype} ${fmtShape(labels.shape)}`)
  const [B, L] = labels.shape
  const src = labels.contiguousData()
  const out = new Int32Array(B * L)
  for (let b = 0; b < B; b++) {
    out[b * L] = decoderStartTokenId
    for (let t = 1; t < L; t++) {
      const v = src[b * L + t - 1]
      out[b * L + t] = v === -100 ? padTokenId : v
    }
  }
  return Tensor.fromArray(out, [B, L], 'int32')
}

export interface T5ModelOutput {
  /** Decoder output [B, L, dModel]. */
  lastHiddenState: Tensor
  /** Encoder output [B, S, dModel]. */
  encoderLastHiddenState: Tensor
}

/**
 * What T5Model and T5ForConditionalGeneration share: the config (T5's defaults filled in), the
 * shared embedding, the encoder and decoder stacks, encode(), and HF's weight init, which each
 * subclass calls once it has made its own parts.
 */
export class T5EncoderDecoder extends Module {
  readonly config: T5Config
  shared: Embedding
  encoder: T5Stack
  decoder: T5Stack

  constructor(config: Partial<T5Config> & { vocabSize: number }) {
    super()
    this.config = t5Config(config)
    const c = this.config
    this.shared = new Embedding(c.vocabSize, c.dModel)
    this.encoder = new T5Stack(c, this.shared, false)
    this.decoder = new T5Stack(c, this.shared, true)
  }

  /** HF's init: the shared embedding (and an untied LM head) N(0, initializerFactor), then initT5Weights. */
  protected initWeights(lmHead: Linear | null): void {
    const c = this.config
    init.normal_(this.shared.weight, 0, c.initializerFactor)
    if (lmHead) init.normal_(lmHead.weight, 0, c.initializerFactor)
    initT5Weights(this, c)
  }

  /** Runs the encoder once (e.g. before generation). */
  encode(inputIds: Tensor, attentionMask: Tensor | null = null): Tensor {
    return this.encoder.forward({ inputIds, attentionMask })
  }
}

/** The bare encoder-decoder: decoder hidden states. */
export class T5Model extends T5EncoderDecoder {
  constructor(config: Partial<T5Config> & { vocabSize: number }) {
    super(config)
    this.initWeights(null)
  }

  override forward(inputs: T5Inputs & { decoderInputIds: Tensor }): T5ModelOutput {
    const enc = inputs.encoderOutputs ?? this.encode(inputs.inputIds, inputs.attentionMask ?? null)
    const dec = this.decoder.forward({ inputIds: inputs.decoderInputIds, attentionMask: inputs.decoderAttentionMask, encoderHiddenStates: enc, encoderAttentionMask: inputs.attentionMask })
    return { lastHiddenState: dec, encoderLastHiddenState: enc }
  }
}

export interface Seq2SeqLMOutput {
  /** [B, L, vocab] */
  logits: Tensor
  /** Mean cross-entropy over labels that are not -100; null without labels. */
  loss: Tensor | null
  encoderLastHiddenState: Tensor
}

/** T5 with its LM head: the model of span-corruption pre-training and of generation. */
export class T5ForConditionalGeneration extends T5EncoderDecoder {
  lm_head: Linear | null

  constructor(config: Partial<T5Config> & { vocabSize: number }) {
    super(config)
    const c = this.config
    this.lm_head = c.tieWordEmbeddings ? null : new Linear(c.dModel, c.vocabSize, { bias: false })
    this.initWeights(this.lm_head)
  }

  /** Decoder hidden states [B, L, dModel] -> logits [B, L, vocab]. */
  lmLogits(hidden: Tensor): Tensor {
    if (this.lm_head) return this.lm_head.forward(hidden)
    return linear(hidden.mul(this.config.dModel ** -0.5), this.shared.weight)
  }

  /** One decoder pass over decoderInputIds (with caches for incremental decoding): logits [B, L, vocab], or [B, 1, vocab] of the last position with lastOnly. */
  decode(decoderInputIds: Tensor, encoderOutputs: Tensor, opts: { attentionMask?: Tensor | null; decoderAttentionMask?: Tensor | null; cache?: T5LayerCache[] | null; lastOnly?: boolean } = {}): Tensor {
    const h = this.decoder.forward({ inputIds: decoderInputIds, attentionMask: opts.decoderAttentionMask, encoderHiddenStates: encoderOutputs, encoderAttentionMask: opts.attentionMask, cache: opts.cache })
    return this.lmLogits(opts.lastOnly ? h.narrow(1, h.shape[1] - 1, 1) : h)
  }

  /** Decoder caches, one per block; maxLength preallocates room for that many decoder positions. */
  newCache(maxLength?: number): T5LayerCache[] {
    return newT5Cache(this.config.numDecoderLayers, maxLength)
  }

  /** labels: int32 [B, L] target ids, -100 where no loss is wanted; the decoder inputs default to shiftRight(labels). */
  override forward(inputs: T5Inputs & { labels?: Tensor | null }): Seq2SeqLMOutput {
    const c = this.config
    const labels = inputs.labels ?? null
    const decoderInputIds = inputs.decoderInputIds ?? (labels ? shiftRight(labels, c.decoderStartTokenId, c.padTokenId) : null)
    if (!decoderInputIds) throw new ValueError('T5ForConditionalGeneration: give decoderInputIds or labels')
    const enc = inputs.encoderOutputs ?? this.encode(inputs.inputIds, inputs.attentionMask ?? null)
    const logits = this.decode(decoderInputIds, enc, { attentionMask: inputs.attentionMask, decoderAttentionMask: inputs.decoderAttentionMask })
    let loss: Tensor | null = null
    if (labels) {
      if (labels.shape[0] !== logits.shape[0] || labels.shape[1] !== logits.shape[1]) throw new ShapeError(`T5ForConditionalGeneration: labels ${fmtShape(labels.shape)} do not match the decoder inputs ${fmtShape(decoderInputIds.shape)}`)
      loss = F.crossEntropy(logits.reshape([-1, c.vocabSize]), labels.reshape([-1]), { ignoreIndex: -100 })
    }
    return { logits, loss, encoderLastHiddenState: enc }
  }
}

/** HF T5 state dict -> adjoint's: drops the aliases encoder/decoder.embed_tokens.weight (and lm_head.weight when tied). */
export function t5HfStateDictToAdjoint(sd: StateDict, config: Pick<T5Config, 'tieWordEmbeddings'>): StateDict {
  const out: StateDict = {}
  for (const [k, v] of Object.entries(sd)) {
    if (k === 'encoder.embed_tokens.weight' || k === 'decoder.embed_tokens.weight') continue
    if (k === 'lm_head.weight' && config.tieWordEmbeddings) continue
    out[k] = v
  }
  return out
}
