// T5 <-> Hugging Face: T5ForConditionalGeneration's config.json and state dict.
// The parameter names are HF's already; published checkpoints also carry the
// aliases encoder/decoder.embed_tokens.weight (and lm_head.weight when tied),
// which are dropped. Config values adjoint's T5 cannot reproduce are errors
// naming the field.
import type { StateDict } from '@adjoint/nn'
import { ConfigError } from '../errors.js'
import { t5ConfigFromHF, t5ConfigToHF, type T5Config } from './config.js'
import { t5HfStateDictToAdjoint } from './model.js'

/** T5Config -> config.json (every field T5Config writes, the derived dense_act_fn / is_gated_act included). */
export function t5ConfigToHuggingFace(c: T5Config): Record<string, unknown> {
  const gated = c.feedForwardProj === 'gated-gelu'
  return { ...t5ConfigToHF(c), dense_act_fn: gated ? 'gelu_new' : 'relu', is_gated_act: gated, is_encoder_decoder: true, use_cache: true, torch_dtype: 'float32' }
}

/** T5's config.json -> T5Config; unsupported values are a ConfigError naming the field. */
export function t5ConfigFromHuggingFace(hf: Record<string, unknown>): T5Config {
  const bad = (field: string, want: string): never => { throw new ConfigError(`T5 config.json: ${field} = ${JSON.stringify(hf[field])} is not supported (adjoint's T5 needs ${want})`) }
  if (hf.feed_forward_proj !== undefined && hf.feed_forward_proj !== 'relu' && hf.feed_forward_proj !== 'gated-gelu') bad('feed_forward_proj', '"relu" (T5 v1.0) or "gated-gelu" (T5 v1.1)')
  if (hf.is_encoder_decoder !== undefined && hf.is_encoder_decoder !== true) bad('is_encoder_decoder', 'true')
  return t5ConfigFromHF(hf)
}

/** A published T5 state dict -> adjoint's (aliases and the unused decoder cross-attention bias dropped). */
export function t5StateFromHuggingFace(sd: StateDict, c: T5Config): StateDict {
  const out = t5HfStateDictToAdjoint(sd, c)
  delete out['decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight']
  return out
}
