// T5Config: the fields of Hugging Face's T5Config, camelCased, with its
// defaults (t5-small), plus a `tiny` preset that trains on a CPU in minutes.
import { ConfigError } from '../errors.js'
import { configFieldsFromHF, configToHF, stripUndefined } from '../hf/config-fields.js'

export type T5FeedForward = 'relu' | 'gated-gelu'

export interface T5Config {
  vocabSize: number
  dModel: number
  /** Size of each head's keys/values (dModel / numHeads in the usual configs, but free). */
  dKv: number
  dFf: number
  numLayers: number
  /** Decoder layers (default numLayers). */
  numDecoderLayers: number
  numHeads: number
  relativeAttentionNumBuckets: number
  relativeAttentionMaxDistance: number
  dropoutRate: number
  layerNormEpsilon: number
  /** Scale of the init (HF's initializer_factor). */
  initializerFactor: number
  /** 'relu' (T5 v1.0): wo(relu(wi x)); 'gated-gelu' (T5 v1.1): wo(gelu_tanh(wi_0 x) * wi_1 x). */
  feedForwardProj: T5FeedForward
  /** LM head = shared embedding, applied to the decoder output times dModel^-0.5 (T5 v1.0); false: a separate lm_head. */
  tieWordEmbeddings: boolean
  padTokenId: number
  eosTokenId: number
  /** First decoder input (T5 uses the pad id). */
  decoderStartTokenId: number
}

export const T5_DEFAULTS: T5Config = {
  vocabSize: 32128,
  dModel: 512,
  dKv: 64,
  dFf: 2048,
  numLayers: 6,
  numDecoderLayers: 6,
  numHeads: 8,
  relativeAttentionNumBuckets: 32,
  relativeAttentionMaxDistance: 128,
  dropoutRate: 0.1,
  layerNormEpsilon: 1e-6,
  initializerFactor: 1,
  feedForwardProj: 'relu',
  tieWordEmbeddings: true,
  padTokenId: 0,
  eosTokenId: 1,
  decoderStartTokenId: 0,
}

/** Named size presets (vocabulary size and special ids come from the tokenizer). */
export const T5_PRESETS: Record<string, Partial<T5Config>> = {
  /** 2 + 2 layers, 128 wide, no dropout (like GPT's tiny): a few hundred steps on a CPU in minutes. */
  tiny: { dModel: 128, dKv: 32, dFf: 512, numLayers: 2, numDecoderLayers: 2, numHeads: 4, relativeAttentionNumBuckets: 32, relativeAttentionMaxDistance: 128, dropoutRate: 0 },
  small: {},
}

const positiveInts = ['vocabSize', 'dModel', 'dKv', 'dFf', 'numLayers', 'numDecoderLayers', 'numHeads', 'relativeAttentionNumBuckets', 'relativeAttentionMaxDistance'] as const

/** A full, checked config: defaults, then the preset (if named), then the overrides. numDecoderLayers follows numLayers unless given. */
export function t5Config(overrides: Partial<T5Config> = {}, preset?: string): T5Config {
  if (preset !== undefined && !(preset in T5_PRESETS)) throw new ConfigError(`t5: unknown preset ${JSON.stringify(preset)} (expected one of ${Object.keys(T5_PRESETS).join(', ')})`)
  const given = { ...(preset ? T5_PRESETS[preset] : {}), ...stripUndefined(overrides) }
  const c: T5Config = { ...T5_DEFAULTS, ...given }
  if (given.numDecoderLayers === undefined) c.numDecoderLayers = c.numLayers
  for (const k of positiveInts) if (!Number.isInteger(c[k]) || c[k] <= 0) throw new ConfigError(`t5 config: ${k} must be a positive integer, got ${c[k]}`)
  if (c.relativeAttentionNumBuckets < 4) throw new ConfigError(`t5 config: relativeAttentionNumBuckets must be at least 4, got ${c.relativeAttentionNumBuckets}`)
  if (!(c.dropoutRate >= 0 && c.dropoutRate < 1)) throw new ConfigError(`t5 config: dropoutRate must be in [0, 1), got ${c.dropoutRate}`)
  if (!(c.layerNormEpsilon > 0) || !(c.initializerFactor > 0)) throw new ConfigError(`t5 config: layerNormEpsilon and initializerFactor must be positive, got ${c.layerNormEpsilon} and ${c.initializerFactor}`)
  if (c.feedForwardProj !== 'relu' && c.feedForwardProj !== 'gated-gelu') throw new ConfigError(`t5 config: feedForwardProj must be 'relu' or 'gated-gelu', got ${JSON.stringify(c.feedForwardProj)}`)
  for (const k of ['padTokenId', 'eosTokenId', 'decoderStartTokenId'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0 || c[k] >= c.vocabSize) throw new ConfigError(`t5 config: ${k} ${c[k]} is not an id of the vocabulary of ${c.vocabSize}`)
  }
  return c
}

/** The config as Hugging Face's config.json fields (d_model, d_kv, feed_forward_proj, ...). */
export function t5ConfigToHF(c: T5Config): Record<string, unknown> {
  return configToHF(c, { model_type: 't5', architectures: ['T5ForConditionalGeneration'] })
}

/** Reads Hugging Face's config.json fields (unknown fields are ignored). */
export function t5ConfigFromHF(hf: Record<string, unknown>): T5Config {
  return t5Config(configFieldsFromHF(hf, T5_DEFAULTS))
}
