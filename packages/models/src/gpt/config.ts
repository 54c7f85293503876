// GPT hyper-parameters, their checks, and the named presets.
import { ConfigError } from '../errors.js'

export interface GPTConfig {
  vocabSize: number
  /** Longest context (number of learned positions). */
  blockSize: number
  nLayer: number
  nHead: number
  nEmbd: number
  /** Dropout on embeddings, attention weights and residual branches (0 = off). */
  dropout: number
  /** Biases in the Linear layers and LayerNorms (GPT-2: true). */
  bias: boolean
  /** The LM head shares the token embedding's weight (GPT-2: true). */
  tieWeights: boolean
  /** The MLP's GELU: exact ('gelu', nanoGPT's nn.GELU()) or tanh-approximated ('geluTanh', HF GPT-2's gelu_new). */
  activation: 'gelu' | 'geluTanh'
}

export const GPT2_DEFAULTS: GPTConfig = { vocabSize: 50257, blockSize: 1024, nLayer: 12, nHead: 12, nEmbd: 768, dropout: 0, bias: true, tieWeights: true, activation: 'geluTanh' }

const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0

/** A full config from a partial one (GPT-2 small's values for what is missing), checked. */
export function gptConfig(partial: Partial<GPTConfig>): GPTConfig {
  const c: GPTConfig = { ...GPT2_DEFAULTS, ...partial }
  const problems: string[] = []
  for (const k of ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const) if (!posInt(c[k])) problems.push(`${k} must be a positive integer, got ${String(c[k])}`)
  if (posInt(c.nEmbd) && posInt(c.nHead) && c.nEmbd % c.nHead !== 0) problems.push(`nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`)
  if (typeof c.dropout !== 'number' || !(c.dropout >= 0 && c.dropout < 1)) problems.push(`dropout must be in [0, 1), got ${String(c.dropout)}`)
  if (typeof c.bias !== 'boolean') problems.push(`bias must be true or false, got ${String(c.bias)}`)
  if (typeof c.tieWeights !== 'boolean') problems.push(`tieWeights must be true or false, got ${String(c.tieWeights)}`)
  if (c.activation !== 'gelu' && c.activation !== 'geluTanh') problems.push(`activation must be "gelu" or "geluTanh", got ${JSON.stringify(c.activation)}`)
  const unknown = Object.keys(partial).filter((k) => !(k in GPT2_DEFAULTS))
  if (unknown.length > 0) problems.push(`unknown config keys: ${unknown.join(', ')}`)
  if (problems.length > 0) throw new ConfigError(`GPT config: ${problems.join('; ')}`)
  return c
}

/** Parameters of a config (tied head counted once), without building the model. */
export function countParameters(c: GPTConfig): number {
  const E = c.nEmbd, b = c.bias ? 1 : 0
  const block = 2 * (E + b * E) + (3 * E * E + b * 3 * E) + (E * E + b * E) + (4 * E * E + b * 4 * E) + (4 * E * E + b * E)
  return c.vocabSize * E + c.blockSize * E + c.nLayer * block + (E + b * E) + (c.tieWeights ? 0 : c.vocabSize * E)
}
