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
// dropped, a GPT2Model state dict (no "transformer." prefix) is accepted, and a
// missing lm_head.weight is tied to wte (HF's safetensors files omit it).
import { Tensor, noGrad } from '@adjoint/core'
import type { StateDict } from '@adjoint/nn'
import { CheckpointError } from '../errors.js'
import type { GPTConfig } from './config.js'

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
  if (!('lm_head.weight' in out) && (opts.tieWeights ?? true) && 'transformer.wte.weight' in out) out['lm_head.weight'] = out['transformer.wte.weight']
  return out
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
