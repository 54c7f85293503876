// BertModel (Devlin et al. 2019): token + position + segment embeddings,
// LayerNorm, N post-LN encoder blocks (bidirectional self-attention with a
// key-padding mask, GELU MLP) and the pooler (tanh of a dense layer on the
// [CLS] state).
//
// Field names are Hugging Face's (`embeddings.word_embeddings`,
// `encoder.layer.0.attention.self.query`, `LayerNorm`, ...), so stateDict()
// keys are HF's BertModel keys as they are, and `bert.` + key inside the heads.
import { ShapeError, Tensor, ValueError, arange, fmtShape, zeros } from '@adjoint/core'
import { Dropout, Embedding, F, LayerNorm, Linear, Module, ModuleList, init } from '@adjoint/nn'
import { bertConfig, type BertConfig } from './config.js'


/** The activation by HF's name ('gelu_new' is GELU's tanh approximation). */
/** act(dense(x)); a GELU and its dense layer run as one fused op (F.linearGelu). */
export function denseActivation(name: BertConfig['hiddenAct']): (dense: Linear, x: Tensor) => Tensor {
  if (name === 'relu') return (dense, x) => dense.forward(x).relu()
  const approximate = name === 'gelu_new' ? 'tanh' : 'none'
  return (dense, x) => F.linearGelu(x, dense.weight, dense.bias, { approximate })
}

export interface BertInputs {
  /** int32 [batch, seq] token ids. */
  inputIds: Tensor
  /** [batch, seq]: 1 (or true) for real tokens, 0 for padding. Default: all ones. */
  attentionMask?: Tensor | null
  /** int32 [batch, seq] segment ids (0 for sentence A, 1 for B). Default: zeros. */
  tokenTypeIds?: Tensor | null
  /** int32 [batch, seq] positions. Default: 0, 1, ... */
  positionIds?: Tensor | null
}

export class BertEmbeddings extends Module {
  word_embeddings: Embedding
  position_embeddings: Embedding
  token_type_embeddings: Embedding
  LayerNorm: LayerNorm
  dropout: Dropout

  constructor(readonly config: BertConfig) {
    super()
    const c = config
    this.word_embeddings = new Embedding(c.vocabSize, c.hiddenSize, { paddingIdx: c.padTokenId })
    this.position_embeddings = new Embedding(c.maxPositionEmbeddings, c.hiddenSize)
    this.token_type_embeddings = new Embedding(c.typeVocabSize, c.hiddenSize)
    this.LayerNorm = new LayerNorm(c.hiddenSize, { eps: c.layerNormEps })
    this.dropout = new Dropout(c.hiddenDropoutProb)
  }

  override forward(inputIds: Tensor, tokenTypeIds: Tensor | null = null, positionIds: Tensor | null = null): Tensor {
    const [B, T] = inputIds.shape
    if (T > this.config.maxPositionEmbeddings) throw new ShapeError(`BertEmbeddings: sequence of ${T} tokens is longer than maxPositionEmbeddings ${this.config.maxPositionEmbeddings}`)
    const pos = positionIds ?? arange(T, undefined, 1, { dtype: 'int32' }).unsqueeze(0).expand([B, T])
    const types = tokenTypeIds ?? zeros([B, T], { dtype: 'int32' })
    const x = this.word_embeddings.forward(inputIds).add(this.token_type_embeddings.forward(types)).add(this.position_embeddings.forward(pos))
    return this.dropout.forward(this.LayerNorm.forward(x))
  }
}

/** HF's BertSelfAttention: query/key/value projections and softmax(q k^T / sqrt(d) + mask) v per head. */
export class BertSelfAttention extends Module {
  query: Linear
  key: Linear
  value: Linear
  readonly numHeads: number
  readonly headSize: number

  constructor(readonly config: BertConfig) {
    super()
    const H = config.hiddenSize
    this.numHeads = config.numAttentionHeads
    this.headSize = H / this.numHeads
    this.query = new Linear(H, H)
    this.key = new Linear(H, H)
    this.value = new Linear(H, H)
  }

  private heads(x: Tensor): Tensor {
    const [B, T] = x.shape
    return x.reshape([B, T, this.numHeads, this.headSize]).transpose(1, 2)
  }

  /** x [B, T, H]; keep: bool [B, 1, 1, T] (true = may be attended) or null. */
  override forward(x: Tensor, keep: Tensor | null): Tensor {
    const [B, T, H] = x.shape
    const q = this.heads(this.query.forward(x)), k = this.heads(this.key.forward(x)), v = this.heads(this.value.forward(x))
    const p = this.training ? this.config.attentionProbsDropoutProb : 0
    const ctx = F.scaledDotProductAttention(q, k, v, { attnMask: keep, dropoutP: p })
    return ctx.transpose(1, 2).reshape([B, T, H])
  }
}

/** dense + dropout, then LayerNorm(. + residual): HF's BertSelfOutput and BertOutput. */
export class BertResidualOutput extends Module {
  dense: Linear
  LayerNorm: LayerNorm
  dropout: Dropout

  constructor(inFeatures: number, config: BertConfig) {
    super()
    this.dense = new Linear(inFeatures, config.hiddenSize)
    this.LayerNorm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps })
    this.dropout = new Dropout(config.hiddenDropoutProb)
  }

  override forward(h: Tensor, residual: Tensor): Tensor {
    return this.LayerNorm.forward(this.dropout.forward(this.dense.forward(h)).add(residual))
  }
}

export class BertAttention extends Module {
  self: BertSelfAttention
  output: BertResidualOutput

  constructor(config: BertConfig) {
    super()
    this.self = new BertSelfAttention(config)
    this.output = new BertResidualOutput(config.hiddenSize, config)
  }

  override forward(x: Tensor, keep: Tensor | null): Tensor {
    return this.output.forward(this.self.forward(x, keep), x)
  }
}

export class BertIntermediate extends Module {
  dense: Linear
  private readonly act: (dense: Linear, x: Tensor) => Tensor

  constructor(config: BertConfig) {
    super()
    this.dense = new Linear(config.hiddenSize, config.intermediateSize)
    this.act = denseActivation(config.hiddenAct)
  }

  override forward(x: Tensor): Tensor {
    return this.act(this.dense, x)
  }
}

/** One post-LN block: x = LN(x + attn(x)); x = LN(x + mlp(x)). */
export class BertLayer extends Module {
  attention: BertAttention
  intermediate: BertIntermediate
  output: BertResidualOutput

  constructor(config: BertConfig) {
    super()
    this.attention = new BertAttention(config)
    this.intermediate = new BertIntermediate(config)
    this.output = new BertResidualOutput(config.intermediateSize, config)
  }

  override forward(x: Tensor, keep: Tensor | null): Tensor {
    const a = this.attention.forward(x, keep)
    return this.output.forward(this.intermediate.forward(a), a)
  }
}

export class BertEncoder extends Module {
  layer: ModuleList<BertLayer>

  constructor(config: BertConfig) {
    super()
    this.layer = new ModuleList(Array.from({ length: config.numHiddenLayers }, () => new BertLayer(config)))
  }

  override forward(x: Tensor, keep: Tensor | null): Tensor {
    for (const l of this.layer) x = l.forward(x, keep)
    return x
  }
}

/** tanh(dense(h[:, 0])): the [CLS] state as a sentence vector. */
export class BertPooler extends Module {
  dense: Linear

  constructor(config: BertConfig) {
    super()
    this.dense = new Linear(config.hiddenSize, config.hiddenSize)
  }

  override forward(hidden: Tensor): Tensor {
    return this.dense.forward(hidden.narrow(1, 0, 1).squeeze(1)).tanh()
  }
}

export interface BertOutput {
  /** [batch, seq, hidden] */
  lastHiddenState: Tensor
  /** [batch, hidden], or null without a pooler. */
  poolerOutput: Tensor | null
}

/** Checks the inputs and turns attentionMask into the bool [B, 1, 1, T] "may attend" mask. */
export function checkBertInputs(op: string, inputs: BertInputs, vocabSize: number): Tensor | null {
  const ids = inputs.inputIds
  if (!(ids instanceof Tensor) || ids.dtype !== 'int32' || ids.ndim !== 2) throw new ShapeError(`${op}: inputIds must be an int32 tensor [batch, seq], got ${ids instanceof Tensor ? `${ids.dtype} ${fmtShape(ids.shape)}` : typeof ids}`)
  const data = ids.contiguousData()
  for (let i = 0; i < data.length; i++) if (data[i] < 0 || data[i] >= vocabSize) throw new ValueError(`${op}: token id ${data[i]} is out of range for a vocabulary of ${vocabSize}`)
  for (const [name, t] of [['attentionMask', inputs.attentionMask], ['tokenTypeIds', inputs.tokenTypeIds], ['positionIds', inputs.positionIds]] as const) {
    if (t && (t.ndim !== 2 || t.shape[0] !== ids.shape[0] || t.shape[1] !== ids.shape[1])) throw new ShapeError(`${op}: ${name} must have inputIds' shape ${fmtShape(ids.shape)}, got ${fmtShape(t.shape)}`)
  }
  const m = inputs.attentionMask
  if (!m) return null
  const keep = m.dtype === 'bool' ? m : m.ne(0)
  const k = keep.contiguousData(), T = ids.shape[1]
  for (let b = 0; b < ids.shape[0]; b++) {
    let any = false
    for (let t = 0; t < T && !any; t++) any = k[b * T + t] !== 0
    if (!any) throw new ValueError(`${op}: row ${b} of attentionMask has no real token (all padding)`)
  }
  return keep.reshape([ids.shape[0], 1, 1, ids.shape[1]])
}

/** HF's _init_weights: Linear and Embedding weights ~ N(0, initializerRange), biases 0, LayerNorm 1 and 0, the padding row 0. */
export function initBertWeights(root: Module, config: BertConfig): void {
  for (const m of root.modules()) {
    if (m instanceof Linear) {
      init.normal_(m.weight, 0, config.initializerRange)
      if (m.bias) init.zeros_(m.bias)
    } else if (m instanceof Embedding) {
      init.normal_(m.weight, 0, config.initializerRange)
      if (m.paddingIdx !== null) init.zeros_(m.weight.detach().narrow(0, m.paddingIdx, 1))
    } else if (m instanceof LayerNorm) {
      if (m.weight) init.ones_(m.weight)
      if (m.bias) init.zeros_(m.bias)
    }
  }
}

export class BertModel extends Module {
  readonly config: BertConfig
  embeddings: BertEmbeddings
  encoder: BertEncoder
  pooler: BertPooler | null

  constructor(config: Partial<BertConfig> & { vocabSize: number }, opts: { addPoolingLayer?: boolean } = {}) {
    super()
    const c = bertConfig(config)
    this.config = c
    this.embeddings = new BertEmbeddings(c)
    this.encoder = new BertEncoder(c)
    this.pooler = opts.addPoolingLayer === false ? null : new BertPooler(c)
    initBertWeights(this, c)
  }

  override forward(inputs: BertInputs): BertOutput {
    const keep = checkBertInputs('BertModel', inputs, this.config.vocabSize)
    const x = this.embeddings.forward(inputs.inputIds, inputs.tokenTypeIds ?? null, inputs.positionIds ?? null)
    const lastHiddenState = this.encoder.forward(x, keep)
    return { lastHiddenState, poolerOutput: this.pooler ? this.pooler.forward(lastHiddenState) : null }
  }
}
