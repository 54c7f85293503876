// State-dict helpers of the Hugging Face mappings (registry.ts's huggingFace parts, pretrained.ts).
import { Tensor, noGrad, zeros } from '@adjoint/core'
import type { StateDict } from '@adjoint/nn'
import type { GPTConfig } from '../gpt/config.js'

/** The state dict with each tensor once (a tied weight keeps its first name, as HF keeps wte over lm_head). */
export function untied(sd: StateDict): StateDict {
  const seen = new Set<Tensor>()
  const out: StateDict = {}
  for (const [k, t] of Object.entries(sd)) if (!seen.has(t)) { seen.add(t); out[k] = t }
  return out
}

/** HF's GPT-2 has biases everywhere: a model trained without them is written with zero biases (the same function). */
export function withZeroBiases(sd: StateDict, c: GPTConfig): StateDict {
  if (c.bias) return sd
  const E = c.nEmbd
  const out: StateDict = { ...sd }
  const zero = (name: string, n: number) => { out[name] = zeros([n]) }
  for (let i = 0; i < c.nLayer; i++) {
    const p = `transformer.h.${i}.`
    zero(p + 'ln_1.bias', E); zero(p + 'attn.c_attn.bias', 3 * E); zero(p + 'attn.c_proj.bias', E)
    zero(p + 'ln_2.bias', E); zero(p + 'mlp.c_fc.bias', 4 * E); zero(p + 'mlp.c_proj.bias', E)
  }
  zero('transformer.ln_f.bias', E)
  return out
}

/** Float tensors as float32 (F16/BF16 files are read as float32 already; F64 ones are narrowed). */
export function asFloat32(sd: StateDict): StateDict {
  return Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.dtype === 'float64' ? noGrad(() => t.to('float32')) : t]))
}
