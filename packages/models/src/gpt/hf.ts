// Moving GPT weights between adjoint and Hugging Face GPT-2 (PyTorch).
//
// The parameter names are the same. The difference: HF GPT-2 builds c_attn,
// c_proj and c_fc from Conv1D, whose weight is [in, out] (y = x W + b), where
// adjoint's Linear (like torch.nn.Linear) stores [out, in] (y = x W^T + b). So
// these four weights per block are transposed each way:
//   transformer.h.{i}.attn.c_attn.weight   HF [E, 3E]  <->  adjoint [3E, E]
//   transformer.h.{i}.attn.c_proj.weight   HF [E, E]   <->  adjoint [E, E] (transposed)
//   transformer.h.{i}.mlp.c_fc.weight      HF [E, 4E]  <->  adjoint [4E, E]
//   transformer.h.{i}.mlp.c_proj.weight    HF [4E, E]  <->  adjoint [E, 4E]
// Everything else (wte, wpe, ln_*, biases, lm_head) is identical. On import,
// HF's non-parameter buffers attn.bias / attn.masked_bias (causal masks) are
// dropped, a GPT2Model state dict (no "transformer." prefix) is accepted, and
// with tied weights lm_head.weight is wte (HF's files omit it; if present it is
// ignored, as transformers ties it after loading).
//
// The config: GPT2Config's fields (n_embd, n_layer, activation_function, ...)
// <-> GPTConfig. GPT-2's activation is the tanh form, 'gelu_new'.
import { Tensor, noGrad } from '@adjoint/core'
import type { StateDict } from '@adjoint/nn'
import { CheckpointError, ConfigError } from '../errors.js'
import { gptConfig, type GPTConfig } from './config.js'

const CONV1D = /(^|\.)h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/

/** True for the weights stored transposed by HF's Conv1D. */
export function isConv1DWeight(name: string): boolean {
  return CONV1D.test(name)
}

const transposed = (t: Tensor) => noGrad(() => t.detach().transpose(0, 1).contiguous())

/** adjoint GPT state dict -> HF GPT2LMHeadModel state dict (Conv1D weights transposed; new tensors for those). */
export function toHuggingFaceGPT2(sd: StateDict): StateDict {
  const out: StateDict = {}
  for (const [k, t] of Object.entries(sd)) out[k] = isConv1DWeight(k) ? transposed(t) : t
  return out
}

/** HF GPT2LMHeadModel / GPT2Model state dict -> adjoint GPT state dict. */
export function fromHuggingFaceGPT2(sd: StateDict, opts: { tieWeights?: boolean } = {}): StateDict {
  const out: StateDict = {}
  for (const [k0, t] of Object.entries(sd)) {
    if (/\.attn\.(bias|masked_bias)$/.test(k0)) continue
    const k = k0.startsWith('transformer.') || k0.startsWith('lm_head.') || k0.startsWith('score.') ? k0 : `transformer.${k0}`
    out[k] = isConv1DWeight(k) ? transposed(t) : t
  }
  if ((opts.tieWeights ?? true) && 'transformer.wte.weight' in out) out['lm_head.weight'] = out['transformer.wte.weight']
  return out
}

/** HF's names for the MLP activations adjoint's GPT has ('gelu_pytorch_tanh' and 'gelu_fast' are the tanh form too). */
const ACTIVATION_FROM_HF: Record<string, GPTConfig['activation']> = { gelu_new: 'geluTanh', gelu_pytorch_tanh: 'geluTanh', gelu_fast: 'geluTanh', gelu: 'gelu' }

/** GPTConfig -> GPT2Config's config.json fields (every field GPT2Config writes). */
export function gpt2ConfigToHF(c: GPTConfig, opts: { eosTokenId?: number | null } = {}): Record<string, unknown> {
  const eos = opts.eosTokenId ?? null
  return {
    activation_function: c.activation === 'gelu' ? 'gelu' : 'gelu_new', architectures: ['GPT2LMHeadModel'], attn_pdrop: c.dropout, bos_token_id: eos,
    embd_pdrop: c.dropout, eos_token_id: eos, initializer_range: 0.02, layer_norm_epsilon: 1e-5, model_type: 'gpt2',
    n_ctx: c.blockSize, n_embd: c.nEmbd, n_head: c.nHead, n_inner: null, n_layer: c.nLayer, n_positions: c.blockSize,
    reorder_and_upcast_attn: false, resid_pdrop: c.dropout, scale_attn_by_inverse_layer_idx: false, scale_attn_weights: true,
    summary_activation: null, summary_first_dropout: 0.1, summary_proj_to_labels: true, summary_type: 'cls_index', summary_use_proj: true,
    tie_word_embeddings: c.tieWeights, torch_dtype: 'float32', use_cache: true, vocab_size: c.vocabSize,
  }
}

/** GPT2Config's config.json fields -> GPTConfig; a value adjoint's GPT cannot reproduce is a ConfigError naming the field. */
export function gpt2ConfigFromHF(hf: Record<string, unknown>): GPTConfig {
  const bad = (field: string, want: string): never => { throw new ConfigError(`GPT-2 config.json: ${field} = ${JSON.stringify(hf[field])} is not supported (adjoint's GPT needs ${want})`) }
  const get = <T>(field: string, dflt: T) => (hf[field] === undefined ? dflt : hf[field]) as T
  const nEmbd = get('n_embd', 768)
  const act = get('activation_function', 'gelu_new')
  if (!(act in ACTIVATION_FROM_HF)) bad('activation_function', `one of ${Object.keys(ACTIVATION_FROM_HF).join(', ')}`)
  const inner = get<unknown>('n_inner', null)
  if (inner !== null && inner !== 4 * nEmbd) bad('n_inner', `null or 4 * n_embd = ${4 * nEmbd}`)
  if (get('layer_norm_epsilon', 1e-5) !== 1e-5) bad('layer_norm_epsilon', '1e-5')
  if (get('scale_attn_weights', true) !== true) bad('scale_attn_weights', 'true')
  if (get('scale_attn_by_inverse_layer_idx', false) !== false) bad('scale_attn_by_inverse_layer_idx', 'false')
  if (get('add_cross_attention', false) !== false) bad('add_cross_attention', 'false')
  const drops = ['resid_pdrop', 'embd_pdrop', 'attn_pdrop'].map((f) => get(f, 0.1))
  if (drops.some((d) => d !== drops[0])) bad('attn_pdrop', `resid_pdrop, embd_pdrop and attn_pdrop to be equal (one dropout rate), got ${drops.join(', ')}`)
  return gptConfig({
    vocabSize: get('vocab_size', 50257), blockSize: get('n_positions', get('n_ctx', 1024)), nEmbd, nLayer: get('n_layer', 12), nHead: get('n_head', 12),
    dropout: drops[0], bias: true, tieWeights: get('tie_word_embeddings', true), activation: ACTIVATION_FROM_HF[act as string],
  })
}

/** The config a GPT state dict implies (nHead cannot be read off shapes: pass it). */
export function inferGPTConfig(sd: StateDict, nHead: number): Partial<GPTConfig> {
  const wte = sd['transformer.wte.weight'] ?? sd['wte.weight']
  const wpe = sd['transformer.wpe.weight'] ?? sd['wpe.weight']
  if (!wte || !wpe) throw new CheckpointError('inferGPTConfig: the state dict has no transformer.wte.weight / transformer.wpe.weight: not a GPT')
  let nLayer = 0
  for (const k of Object.keys(sd)) {
    const m = /(?:^|\.)h\.(\d+)\./.exec(k)
    if (m) nLayer = Math.max(nLayer, Number(m[1]) + 1)
  }
  const lm = sd['lm_head.weight']
  return {
    vocabSize: wte.shape[0], blockSize: wpe.shape[0], nEmbd: wte.shape[1], nLayer, nHead,
    bias: Object.keys(sd).some((k) => /ln_f\.bias$/.test(k)),
    tieWeights: lm === undefined || lm === wte || lm.storage === wte.storage,
  }
}
