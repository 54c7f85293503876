// GPT: a decoder-only, pre-LayerNorm transformer (GPT-2 / nanoGPT).
// Field names are Hugging Face GPT-2's, so parameter names match theirs
// (transformer.h.0.attn.c_attn.weight, ...); the weights of c_attn, c_proj and
// c_fc are nn.Linear's [out, in], the transpose of HF's Conv1D [in, out]: see hf.ts.
import { Generator, ShapeError, Tensor, DTypeError, noGrad, scaledDotProductAttention } from '@adjoint/core'
import { Dropout, Embedding, F, KVCache, LayerNorm, Linear, Module, ModuleList, init } from '@adjoint/nn'
import { gptConfig, type GPTConfig } from './config.js'
import { generate as generateTokens, type GenerateOptions } from '../generation/generate.js'

/** Causal multi-head self-attention with one fused q/k/v projection (c_attn) and an output projection (c_proj). */
export class CausalSelfAttention extends Module {
  c_attn: Linear
  c_proj: Linear
  resid_dropout: Dropout
  readonly nHead: number
  readonly nEmbd: number
  readonly dropout: number

  constructor(config: GPTConfig) {
    super()
    this.nHead = config.nHead
    this.nEmbd = config.nEmbd
    this.dropout = config.dropout
    this.c_attn = new Linear(config.nEmbd, 3 * config.nEmbd, { bias: config.bias })
    this.c_proj = new Linear(config.nEmbd, config.nEmbd, { bias: config.bias })
    this.resid_dropout = new Dropout(config.dropout)
  }

  /** x [B, T, E] -> [B, T, E]; with a layer cache, x holds the positions after the cached ones. */
  override forward(x: Tensor, cache?: KVCache | null): Tensor {
    const [B, T, E] = x.shape
    const H = this.nHead, D = E / H
    const qkv = this.c_attn.forward(x)
    // heads are views of the packed projection: core's attention reads them in place
    const heads = (i: number) => qkv.narrow(2, i * E, E).reshape([B, T, H, D]).transpose(1, 2)
    let k = heads(1), v = heads(2)
    if (cache) [k, v] = cache.update(k, v)
    const S = k.shape[2]
    // query i sits at position S - T + i and sees keys up to it
    const y = scaledDotProductAttention(heads(0), k, v, { isCausal: true, queryOffset: S - T, dropoutP: this.training ? this.dropout : 0 })
    return this.resid_dropout.forward(this.c_proj.forward(y.transpose(1, 2).reshape([B, T, E])))
  }
}

/** The feed-forward branch: Linear(E, 4E), GELU, Linear(4E, E). */
export class MLP extends Module {
  c_fc: Linear
  c_proj: Linear
  dropout: Dropout
  readonly activation: GPTConfig['activation']

  constructor(config: GPTConfig) {
    super()
    this.activation = config.activation
    this.c_fc = new Linear(config.nEmbd, 4 * config.nEmbd, { bias: config.bias })
    this.c_proj = new Linear(4 * config.nEmbd, config.nEmbd, { bias: config.bias })
    this.dropout = new Dropout(config.dropout)
  }

  override forward(x: Tensor): Tensor {
    // c_fc and GELU as one fused op (one node, the bias gradient summed in GELU's backward pass)
    const h = F.linearGelu(x, this.c_fc.weight, this.c_fc.bias, { approximate: this.activation === 'geluTanh' ? 'tanh' : 'none' })
    return this.dropout.forward(this.c_proj.forward(h))
  }
}

/** x + attn(ln_1(x)), then + mlp(ln_2(x)). */
export class Block extends Module {
  ln_1: LayerNorm
  attn: CausalSelfAttention
  ln_2: LayerNorm
  mlp: MLP

  constructor(config: GPTConfig) {
    super()
    this.ln_1 = new LayerNorm(config.nEmbd, { bias: config.bias })
    this.attn = new CausalSelfAttention(config)
    this.ln_2 = new LayerNorm(config.nEmbd, { bias: config.bias })
    this.mlp = new MLP(config)
  }

  override forward(x: Tensor, cache?: KVCache | null): Tensor {
    x = x.add(this.attn.forward(this.ln_1.forward(x), cache))
    return x.add(this.mlp.forward(this.ln_2.forward(x)))
  }
}

/** The decoder without a head (HF's GPT2Model): embeddings, blocks, final LayerNorm. */
export class GPTBackbone extends Module {
  wte: Embedding
  wpe: Embedding
  drop: Dropout
  h: ModuleList<Block>
  ln_f: LayerNorm

  constructor(readonly config: GPTConfig) {
    super()
    this.wte = new Embedding(config.vocabSize, config.nEmbd)
    this.wpe = new Embedding(config.blockSize, config.nEmbd)
    this.drop = new Dropout(config.dropout)
    this.h = new ModuleList(Array.from({ length: config.nLayer }, () => new Block(config)))
    this.ln_f = new LayerNorm(config.nEmbd, { bias: config.bias })
  }

  /** idx [B, T] int32 -> hidden states [B, T, E] after ln_f. With caches (one per block), idx continues the cached positions. */
  override forward(idx: Tensor, cache?: readonly KVCache[] | null): Tensor {
    const { blockSize, vocabSize } = this.config
    if (!(idx instanceof Tensor) || idx.dtype !== 'int32') throw new DTypeError(`GPT.forward: idx must be an int32 tensor of token ids, got ${idx instanceof Tensor ? idx.dtype : typeof idx}`)
    if (idx.ndim !== 2) throw new ShapeError(`GPT.forward: idx must be [batch, time], got [${idx.shape.join(',')}]`)
    const T = idx.shape[1]
    if (cache && cache.length !== this.h.length) throw new ShapeError(`GPT.forward: the cache has ${cache.length} layers, the model ${this.h.length}`)
    const past = cache?.[0].length ?? 0
    if (T === 0) throw new ShapeError('GPT.forward: idx has no positions')
    if (past + T > blockSize) throw new ShapeError(`GPT.forward: ${past > 0 ? `${past} cached + ` : ''}${T} positions exceed the block size ${blockSize}`)
    const ids = idx.contiguousData()
    for (let i = 0; i < ids.length; i++) if (ids[i] < 0 || ids[i] >= vocabSize) throw new ShapeError(`GPT.forward: token id ${ids[i]} out of range for vocabSize ${vocabSize}`)
    const pos = Tensor.empty([T], 'int32')
    for (let t = 0; t < T; t++) pos.storage.data[t] = past + t
    let x = this.drop.forward(this.wte.forward(idx).add(this.wpe.forward(pos)))
    this.h.map((block, i) => { x = block.forward(x, cache ? cache[i] : null) })
    return this.ln_f.forward(x)
  }
}

export interface GPTInitOptions {
  /** Random source of the initial weights (default: the global generator, seeded by manualSeed). */
  generator?: Generator
}

export interface GPTOutput {
  /** [B, T, vocabSize], or [B, 1, vocabSize] with lastOnly. */
  logits: Tensor
  /** Mean cross-entropy over the targets (ignoring -1), when targets were given. */
  loss: Tensor | null
}

export interface GPTForwardOptions {
  /** One KVCache per block (newCache()). */
  cache?: readonly KVCache[] | null
  /** Compute logits for the last position only (generation). */
  lastOnly?: boolean
}

/** GPT with its language-modelling head (HF's GPT2LMHeadModel). */
export class GPT extends Module {
  readonly config: GPTConfig
  transformer: GPTBackbone
  lm_head: Linear

  constructor(config: Partial<GPTConfig>, opts: GPTInitOptions = {}) {
    super()
    this.config = gptConfig(config)
    this.transformer = new GPTBackbone(this.config)
    this.lm_head = new Linear(this.config.nEmbd, this.config.vocabSize, { bias: false })
    if (this.config.tieWeights) this.lm_head.weight = this.transformer.wte.weight
    initGPTWeights(this, this.config.nLayer, opts.generator)
  }

  /** idx [B, T] int32 (and targets [B, T] int32, -1 = ignore) -> logits and loss. */
  override forward(idx: Tensor, targets?: Tensor | null, opts: GPTForwardOptions = {}): GPTOutput {
    let x = this.transformer.forward(idx, opts.cache)
    if (opts.lastOnly && !targets) x = x.narrow(1, x.shape[1] - 1, 1)
    const logits = this.lm_head.forward(x)
    if (!targets) return { logits, loss: null }
    if (targets.dtype !== 'int32' || targets.ndim !== 2 || targets.shape[0] !== idx.shape[0] || targets.shape[1] !== idx.shape[1]) {
      throw new ShapeError(`GPT.forward: targets must be int32 of idx's shape [${idx.shape.join(',')}], got ${targets.dtype} [${targets.shape.join(',')}]`)
    }
    const loss = F.crossEntropy(logits.reshape([-1, this.config.vocabSize]), targets.reshape([-1]), { ignoreIndex: -1 })
    return { logits, loss }
  }

  /**
   * Appends maxNewTokens sampled tokens to idx ([B, T] int32, or one row of ids) using a
   * key/value cache: {temperature, topK, topP, seed, ...}. See generate() in generation/generate.ts.
   */
  generate(idx: Tensor | ArrayLike<number>, maxNewTokens: number, opts: GenerateOptions = {}): Tensor {
    return generateTokens(this, idx, maxNewTokens, opts)
  }

  /** Key/value caches for incremental decoding with this model: one per block, preallocated to the block size. */
  newCache(): KVCache[] {
    return Array.from({ length: this.config.nLayer }, () => new KVCache({ maxLength: this.config.blockSize }))
  }

  /** Parameters, tied head counted once; without the position embeddings with nonEmbedding (nanoGPT's count). */
  numParams(opts: { nonEmbedding?: boolean } = {}): number {
    const n = this.numParameters()
    return opts.nonEmbedding ? n - this.transformer.wpe.weight.numel() : n
  }
}

/**
 * GPT-2's init: every Linear and Embedding weight ~ N(0, 0.02), biases 0,
 * LayerNorms 1 and 0, and the residual projections (attn.c_proj, mlp.c_proj)
 * ~ N(0, 0.02 / sqrt(2 nLayer)) so the residual stream's variance does not grow with depth.
 */
export function initGPTWeights(model: Module, nLayer: number, generator?: Generator): void {
  const g = { generator }
  noGrad(() => {
    for (const m of model.modules()) {
      if (m instanceof Linear) {
        init.normal_(m.weight, 0, 0.02, g)
        if (m.bias) init.zeros_(m.bias)
      } else if (m instanceof Embedding) init.normal_(m.weight, 0, 0.02, g)
      else if (m instanceof LayerNorm) {
        if (m.weight) init.ones_(m.weight)
        if (m.bias) init.zeros_(m.bias)
      }
    }
    for (const [name, p] of model.namedParameters()) if (name.endsWith('c_proj.weight')) init.normal_(p, 0, 0.02 / Math.sqrt(2 * nLayer), g)
  })
}
