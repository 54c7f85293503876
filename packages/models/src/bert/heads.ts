// The heads on top of BertModel: masked-language modeling (pre-training) and
// sequence classification (fine-tuning). Parameter names are Hugging Face's:
// `bert.*` for the encoder, `cls.predictions.*` for the MLM head, `classifier.*`.
//
// One documented difference from HF's state dict: the MLM decoder is tied to
// the word embeddings, so it is not a parameter of its own and
// `cls.predictions.decoder.weight` / `.bias` (HF's aliases of
// `bert.embeddings.word_embeddings.weight` and `cls.predictions.bias`) are not
// listed; `hfStateDictToAdjoint` drops them when loading an HF state dict.
import { ShapeError, Tensor, linear } from '@adjoint/core'
import { ConfigError } from '../errors.js'
import { Dropout, Embedding, F, LayerNorm, Linear, Module, Parameter, type StateDict } from '@adjoint/nn'
import { bertConfig, type BertConfig } from './config.js'
import { BertModel, denseActivation, initBertWeights, type BertInputs } from './model.js'

/** dense, activation, LayerNorm: the transform before the vocabulary projection. */
export class BertPredictionHeadTransform extends Module {
  dense: Linear
  LayerNorm: LayerNorm
  private readonly act: (dense: Linear, x: Tensor) => Tensor

  constructor(config: BertConfig) {
    super()
    this.dense = new Linear(config.hiddenSize, config.hiddenSize)
    this.LayerNorm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps })
    this.act = denseActivation(config.hiddenAct)
  }

  override forward(x: Tensor): Tensor {
    return this.LayerNorm.forward(this.act(this.dense, x))
  }
}

/** transform, then logits = h E^T + bias with E the (tied) word embeddings. */
export class BertLMPredictionHead extends Module {
  transform: BertPredictionHeadTransform
  bias: Parameter
  declare private readonly tied: Embedding

  constructor(config: BertConfig, wordEmbeddings: Embedding) {
    super()
    this.transform = new BertPredictionHeadTransform(config)
    this.bias = new Parameter(Tensor.zeros([config.vocabSize], 'float32'))
    // not a field: the embedding's weight is owned (and listed) by bert.embeddings
    Object.defineProperty(this, 'tied', { value: wordEmbeddings, enumerable: false })
  }

  /** The decoder weight [vocab, hidden]: the word embedding matrix itself. */
  get decoderWeight(): Parameter {
    return this.tied.weight
  }

  override forward(hidden: Tensor): Tensor {
    return linear(this.transform.forward(hidden), this.tied.weight, this.bias)
  }
}

export class BertOnlyMLMHead extends Module {
  predictions: BertLMPredictionHead

  constructor(config: BertConfig, wordEmbeddings: Embedding) {
    super()
    this.predictions = new BertLMPredictionHead(config, wordEmbeddings)
  }

  override forward(hidden: Tensor): Tensor {
    return this.predictions.forward(hidden)
  }
}

export interface MaskedLMOutput {
  /** [batch, seq, vocab] */
  logits: Tensor
  /** Mean cross-entropy over the positions whose label is not ignoreIndex (-100); null without labels. */
  loss: Tensor | null
  lastHiddenState: Tensor
}

export class BertForMaskedLM extends Module {
  readonly config: BertConfig
  bert: BertModel
  cls: BertOnlyMLMHead

  constructor(config: Partial<BertConfig> & { vocabSize: number }) {
    super()
    this.config = bertConfig(config)
    this.bert = new BertModel(this.config, { addPoolingLayer: false })
    this.cls = new BertOnlyMLMHead(this.config, this.bert.embeddings.word_embeddings)
    initBertWeights(this.cls, this.config)
  }

  /** labels: int32 [batch, seq], the original id at masked positions and -100 elsewhere (see maskTokens). */
  override forward(inputs: BertInputs & { labels?: Tensor | null }): MaskedLMOutput {
    const { lastHiddenState } = this.bert.forward(inputs)
    const logits = this.cls.forward(lastHiddenState)
    let loss: Tensor | null = null
    if (inputs.labels) {
      const l = inputs.labels
      if (l.ndim !== 2 || l.shape[0] !== logits.shape[0] || l.shape[1] !== logits.shape[1]) throw new ShapeError(`BertForMaskedLM: labels must be [${logits.shape[0]},${logits.shape[1]}], got [${l.shape.join(',')}]`)
      loss = F.crossEntropy(logits.reshape([-1, this.config.vocabSize]), l.reshape([-1]), { ignoreIndex: -100 })
    }
    return { logits, loss, lastHiddenState }
  }
}

export interface SequenceClassifierOutput {
  /** [batch, numLabels] */
  logits: Tensor
  loss: Tensor | null
}

export class BertForSequenceClassification extends Module {
  readonly config: BertConfig
  bert: BertModel
  dropout: Dropout
  classifier: Linear

  constructor(config: Partial<BertConfig> & { vocabSize: number }, opts: { freezeEncoder?: boolean } = {}) {
    super()
    this.config = bertConfig(config)
    this.bert = new BertModel(this.config)
    this.dropout = new Dropout(this.config.classifierDropout ?? this.config.hiddenDropoutProb)
    this.classifier = new Linear(this.config.hiddenSize, this.config.numLabels)
    initBertWeights(this.classifier, this.config)
    if (opts.freezeEncoder) this.freezeEncoder()
  }

  /** Stops gradients to the encoder: only the pooler and the classifier train (the pooler too unless includePooler is false). */
  freezeEncoder(opts: { includePooler?: boolean } = {}): this {
    this.bert.embeddings.requiresGrad_(false)
    this.bert.encoder.requiresGrad_(false)
    if (opts.includePooler && this.bert.pooler) this.bert.pooler.requiresGrad_(false)
    return this
  }

  /**
   * Copies the encoder weights (`bert.*`) of a pre-trained model's state dict
   * (e.g. a BertForMaskedLM checkpoint); the pooler and classifier keep their
   * init when the source has none. Returns the keys that were loaded.
   */
  loadEncoder(stateDict: StateDict): string[] {
    const own = this.bert.stateDict()
    const src: StateDict = {}
    for (const [k, v] of Object.entries(stateDict)) if (k.startsWith('bert.') && k.slice(5) in own) src[k.slice(5)] = v
    const missing = Object.keys(own).filter((k) => !(k in src) && !k.startsWith('pooler.'))
    if (missing.length > 0) throw new ConfigError(`BertForSequenceClassification.loadEncoder: the state dict lacks ${missing.length} encoder weights (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}); is it a BERT checkpoint with the same config?`)
    this.bert.loadStateDict(src, { strict: false })
    return Object.keys(src).map((k) => `bert.${k}`)
  }

  get numLabels(): number {
    return this.config.numLabels
  }

  get padTokenId(): number {
    return this.config.padTokenId
  }

  /**
   * labels: int32 [batch] class ids. Input ids may also be given alone, as an
   * int32 [batch, seq] tensor right-padded with padTokenId (the attention mask
   * is then ids != padTokenId), with the labels as the second argument.
   */
  override forward(inputs: (BertInputs & { labels?: Tensor | null }) | Tensor, labels: Tensor | null = null): SequenceClassifierOutput {
    const x: BertInputs & { labels?: Tensor | null } = inputs instanceof Tensor ? { inputIds: inputs, attentionMask: inputs.ne(this.config.padTokenId), labels } : inputs
    const { poolerOutput } = this.bert.forward(x)
    const logits = this.classifier.forward(this.dropout.forward(poolerOutput!))
    const loss = x.labels ? F.crossEntropy(logits, x.labels) : null
    return { logits, loss }
  }
}

/** HF BERT state dict -> adjoint's: drops the tied aliases cls.predictions.decoder.{weight,bias} (and position_ids buffers). */
export function hfStateDictToAdjoint(sd: StateDict): StateDict {
  const out: StateDict = {}
  for (const [k, v] of Object.entries(sd)) {
    if (k === 'cls.predictions.decoder.weight' || k === 'cls.predictions.decoder.bias' || k.endsWith('embeddings.position_ids')) continue
    out[k] = v
  }
  return out
}
