// BertConfig: the fields of Hugging Face's BertConfig, camelCased, with its
// defaults (bert-base-uncased), plus a `tiny` preset that trains on a CPU in minutes.
import { ConfigError } from '../errors.js'
import { configFieldsFromHF, configToHF, stripUndefined } from '../hf/config-fields.js'

export type BertActivation = 'gelu' | 'gelu_new' | 'relu'

export interface BertConfig {
  vocabSize: number
  hiddenSize: number
  numHiddenLayers: number
  numAttentionHeads: number
  intermediateSize: number
  /** 'gelu' is the exact (erf) GELU, 'gelu_new' the tanh approximation. */
  hiddenAct: BertActivation
  maxPositionEmbeddings: number
  typeVocabSize: number
  hiddenDropoutProb: number
  attentionProbsDropoutProb: number
  layerNormEps: number
  /** Std of the normal init of weights and embeddings. */
  initializerRange: number
  /** The [PAD] id: its embedding row starts at zero and gets no gradient (as HF's padding_idx). */
  padTokenId: number
  /** Classes of BertForSequenceClassification. */
  numLabels: number
  /** Dropout before the classifier (default: hiddenDropoutProb). */
  classifierDropout: number | null
}

export const BERT_DEFAULTS: BertConfig = {
  vocabSize: 30522,
  hiddenSize: 768,
  numHiddenLayers: 12,
  numAttentionHeads: 12,
  intermediateSize: 3072,
  hiddenAct: 'gelu',
  maxPositionEmbeddings: 512,
  typeVocabSize: 2,
  hiddenDropoutProb: 0.1,
  attentionProbsDropoutProb: 0.1,
  layerNormEps: 1e-12,
  initializerRange: 0.02,
  padTokenId: 0,
  numLabels: 2,
  classifierDropout: null,
}

/** Named size presets (the vocabulary size comes from the tokenizer). */
export const BERT_PRESETS: Record<string, Partial<BertConfig>> = {
  /** 2 layers, 128 wide, 64 positions, no dropout (like GPT's tiny): a few hundred steps on a CPU in minutes. */
  tiny: { hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 512, maxPositionEmbeddings: 64, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 },
  /** Google's BERT-Mini (4 layers, 256 wide). */
  mini: { hiddenSize: 256, numHiddenLayers: 4, numAttentionHeads: 4, intermediateSize: 1024 },
  base: {},
}

const positiveInts = ['vocabSize', 'hiddenSize', 'numHiddenLayers', 'numAttentionHeads', 'intermediateSize', 'maxPositionEmbeddings', 'typeVocabSize', 'numLabels'] as const
const probabilities = ['hiddenDropoutProb', 'attentionProbsDropoutProb'] as const

/** A full, checked config: defaults, then the preset (if named), then the overrides. */
export function bertConfig(overrides: Partial<BertConfig> = {}, preset?: string): BertConfig {
  if (preset !== undefined && !(preset in BERT_PRESETS)) throw new ConfigError(`bert: unknown preset ${JSON.stringify(preset)} (expected one of ${Object.keys(BERT_PRESETS).join(', ')})`)
  const c: BertConfig = { ...BERT_DEFAULTS, ...(preset ? BERT_PRESETS[preset] : {}), ...stripUndefined(overrides) }
  for (const k of positiveInts) if (!Number.isInteger(c[k]) || c[k] <= 0) throw new ConfigError(`bert config: ${k} must be a positive integer, got ${c[k]}`)
  for (const k of probabilities) if (!(c[k] >= 0 && c[k] < 1)) throw new ConfigError(`bert config: ${k} must be in [0, 1), got ${c[k]}`)
  if (c.classifierDropout !== null && !(c.classifierDropout >= 0 && c.classifierDropout < 1)) throw new ConfigError(`bert config: classifierDropout must be in [0, 1) or null, got ${c.classifierDropout}`)
  if (c.hiddenSize % c.numAttentionHeads !== 0) throw new ConfigError(`bert config: hiddenSize ${c.hiddenSize} must be divisible by numAttentionHeads ${c.numAttentionHeads}`)
  if (!['gelu', 'gelu_new', 'relu'].includes(c.hiddenAct)) throw new ConfigError(`bert config: hiddenAct must be 'gelu', 'gelu_new' or 'relu', got ${JSON.stringify(c.hiddenAct)}`)
  if (!(c.layerNormEps > 0) || !(c.initializerRange > 0)) throw new ConfigError(`bert config: layerNormEps and initializerRange must be positive, got ${c.layerNormEps} and ${c.initializerRange}`)
  if (!Number.isInteger(c.padTokenId) || c.padTokenId < 0 || c.padTokenId >= c.vocabSize) throw new ConfigError(`bert config: padTokenId ${c.padTokenId} is not an id of the vocabulary of ${c.vocabSize}`)
  return c
}

/** The config as Hugging Face's config.json fields (vocab_size, hidden_size, ...). */
export function bertConfigToHF(c: BertConfig): Record<string, unknown> {
  const { numLabels, ...rest } = c
  return { ...configToHF(rest, { model_type: 'bert', architectures: ['BertForMaskedLM'] }), num_labels: numLabels }
}

/** Reads Hugging Face's config.json fields (unknown fields are ignored). */
export function bertConfigFromHF(hf: Record<string, unknown>): BertConfig {
  return bertConfig(configFieldsFromHF(hf, BERT_DEFAULTS))
}
