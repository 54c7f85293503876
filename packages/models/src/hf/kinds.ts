// What each model kind needs to be written as, and read from, a Hugging Face
// folder: its model_type, config.json both ways, the state dict both ways and
// the model class. The mappings themselves live in each model's folder (hf.ts).
import { Tensor, noGrad, zeros } from '@adjoint/core'
import type { Module, StateDict } from '@adjoint/nn'
import { CheckpointError } from '../errors.js'
import { BertForMaskedLM } from '../bert/heads.js'
import type { BertConfig } from '../bert/config.js'
import { bertConfigFromHuggingFace, bertConfigToHuggingFace, bertStateFromHuggingFace } from '../bert/hf.js'
import { GPT } from '../gpt/model.js'
import type { GPTConfig } from '../gpt/config.js'
import { fromHuggingFaceGPT2, gpt2ConfigFromHF, gpt2ConfigToHF, toHuggingFaceGPT2 } from '../gpt/hf.js'
import { T5ForConditionalGeneration } from '../t5/model.js'
import type { T5Config } from '../t5/config.js'
import { t5ConfigFromHuggingFace, t5ConfigToHuggingFace, t5StateFromHuggingFace } from '../t5/hf.js'
import { END_OF_TEXT, type Tokenizer } from '../tokenizers/index.js'

export interface HuggingFaceKind {
  /** adjoint's kind (a run's config.json "kind"). */
  kind: 'gpt' | 'bert' | 't5'
  /** config.json's model_type. */
  modelType: string
  /** The model class this kind exports. */
  owns(model: Module): boolean
  configToHF(model: Module, tokenizer: Tokenizer | null): Record<string, unknown>
  configFromHF(hf: Record<string, unknown>): object
  /** The state dict in HF's names and layout (tied weights once). */
  stateToHF(model: Module): StateDict
  /** A published state dict -> the model's own. */
  stateFromHF(sd: StateDict, config: object): StateDict
  build(config: object): Module
}

/** The state dict with each tensor once (a tied weight keeps its first name, as HF keeps wte over lm_head). */
export function untied(sd: StateDict): StateDict {
  const seen = new Set<Tensor>()
  const out: StateDict = {}
  for (const [k, t] of Object.entries(sd)) if (!seen.has(t)) { seen.add(t); out[k] = t }
  return out
}

/** HF's GPT-2 has biases everywhere: a model trained without them is written with zero biases (the same function). */
function withZeroBiases(sd: StateDict, c: GPTConfig): StateDict {
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

const GPT_KIND: HuggingFaceKind = {
  kind: 'gpt', modelType: 'gpt2',
  owns: (m) => m instanceof GPT,
  configToHF: (m, tok) => gpt2ConfigToHF((m as GPT).config, { eosTokenId: tok?.special.id(END_OF_TEXT) }),
  configFromHF: gpt2ConfigFromHF,
  stateToHF: (m) => {
    const c = (m as GPT).config
    const sd = untied(toHuggingFaceGPT2((m as GPT).stateDict()))
    if (c.tieWeights) delete sd['lm_head.weight']
    return withZeroBiases(sd, c)
  },
  stateFromHF: (sd, c) => fromHuggingFaceGPT2(sd, { tieWeights: (c as GPTConfig).tieWeights }),
  build: (c) => new GPT(c as GPTConfig),
}

const BERT_KIND: HuggingFaceKind = {
  kind: 'bert', modelType: 'bert',
  owns: (m) => m instanceof BertForMaskedLM,
  configToHF: (m) => bertConfigToHuggingFace((m as BertForMaskedLM).config),
  configFromHF: bertConfigFromHuggingFace,
  stateToHF: (m) => untied(m.stateDict()),
  stateFromHF: (sd) => bertStateFromHuggingFace(sd),
  build: (c) => new BertForMaskedLM(c as BertConfig),
}

const T5_KIND: HuggingFaceKind = {
  kind: 't5', modelType: 't5',
  owns: (m) => m instanceof T5ForConditionalGeneration,
  configToHF: (m) => t5ConfigToHuggingFace((m as T5ForConditionalGeneration).config),
  configFromHF: t5ConfigFromHuggingFace,
  stateToHF: (m) => untied(m.stateDict()),
  stateFromHF: (sd, c) => t5StateFromHuggingFace(sd, c as T5Config),
  build: (c) => new T5ForConditionalGeneration(c as T5Config),
}

export const HUGGING_FACE_KINDS: readonly HuggingFaceKind[] = [GPT_KIND, BERT_KIND, T5_KIND]

/** The kind of a model, or a CheckpointError saying which models can be exported. */
export function kindOfModel(model: Module): HuggingFaceKind {
  const k = HUGGING_FACE_KINDS.find((x) => x.owns(model))
  if (!k) throw new CheckpointError(`Hugging Face export: a ${model.constructor.name} cannot be exported (supported: GPT, BertForMaskedLM, T5ForConditionalGeneration)`)
  return k
}

/** The kind reading a config.json's model_type, or a CheckpointError naming the field. */
export function kindOfModelType(modelType: unknown, where: string): HuggingFaceKind {
  const k = HUGGING_FACE_KINDS.find((x) => x.modelType === modelType)
  if (!k) throw new CheckpointError(`${where}: model_type = ${JSON.stringify(modelType)} is not supported (expected ${HUGGING_FACE_KINDS.map((x) => JSON.stringify(x.modelType)).join(', ')})`)
  return k
}

/** Float tensors as float32 (F16/BF16 files are read as float32 already; F64 ones are narrowed). */
export function asFloat32(sd: StateDict): StateDict {
  return Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.dtype === 'float64' ? noGrad(() => t.to('float32')) : t]))
}
