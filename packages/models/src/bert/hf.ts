// BERT <-> Hugging Face: BertForMaskedLM's config.json and state dict. The
// parameter names are HF's already; what differs is what a published
// checkpoint carries besides them (the decoder aliases tied to the word
// embeddings, the pooler and next-sentence head of BertForPreTraining, old
// gamma/beta LayerNorm names), and the config fields adjoint's BERT cannot
// reproduce, which are errors naming the field.
import type { StateDict } from '@adjoint/nn'
import { ConfigError } from '../errors.js'
import { bertConfigFromHF, bertConfigToHF, type BertConfig } from './config.js'
import { hfStateDictToAdjoint } from './heads.js'

/** BertConfig -> BertForMaskedLM's config.json (every field BertConfig writes). */
export function bertConfigToHuggingFace(c: BertConfig): Record<string, unknown> {
  return { ...bertConfigToHF(c), position_embedding_type: 'absolute', is_decoder: false, add_cross_attention: false, use_cache: true, torch_dtype: 'float32' }
}

/** BERT's config.json -> BertConfig; unsupported values are a ConfigError naming the field. */
export function bertConfigFromHuggingFace(hf: Record<string, unknown>): BertConfig {
  const bad = (field: string, want: string): never => { throw new ConfigError(`BERT config.json: ${field} = ${JSON.stringify(hf[field])} is not supported (adjoint's BERT needs ${want})`) }
  if (hf.position_embedding_type !== undefined && hf.position_embedding_type !== 'absolute') bad('position_embedding_type', '"absolute"')
  if (hf.is_decoder !== undefined && hf.is_decoder !== false) bad('is_decoder', 'false')
  if (hf.add_cross_attention !== undefined && hf.add_cross_attention !== false) bad('add_cross_attention', 'false')
  const act = hf.hidden_act === 'gelu_pytorch_tanh' ? 'gelu_new' : hf.hidden_act
  if (act !== undefined && !['gelu', 'gelu_new', 'relu'].includes(act as string)) bad('hidden_act', '"gelu", "gelu_new" (or "gelu_pytorch_tanh") or "relu"')
  const labels = hf.id2label !== null && typeof hf.id2label === 'object' ? Object.keys(hf.id2label as object).length : undefined
  return bertConfigFromHF({ ...hf, hidden_act: act, num_labels: hf.num_labels ?? labels })
}

/** A published BERT state dict -> adjoint's BertForMaskedLM's (aliases, pooler, NSP head and position_ids dropped; gamma/beta renamed). */
export function bertStateFromHuggingFace(sd: StateDict): StateDict {
  const out: StateDict = {}
  for (const [k0, t] of Object.entries(hfStateDictToAdjoint(sd))) {
    if (k0.startsWith('bert.pooler.') || k0.startsWith('cls.seq_relationship.')) continue
    out[k0.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias')] = t
  }
  return out
}
