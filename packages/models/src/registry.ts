// The model kinds adjoint trains, samples, fine-tunes and exchanges with
// Hugging Face: the one table from a kind to its parts, each from its own
// folder. The CLI, fine-tuning and the Hugging Face folders look a kind up here
// instead of switching on it; adding a model is adding a row.
import type { Module, StateDict } from '@adjoint/nn'
import { bertBackbone, savedBertClassifier } from './bert/finetune.js'
import { BertForMaskedLM } from './bert/heads.js'
import { bertConfigFromHuggingFace, bertConfigToHuggingFace, bertStateFromHuggingFace } from './bert/hf.js'
import { bertObjective } from './bert/objective.js'
import { BERT_SAMPLE_DEFAULTS, sampleBert } from './bert/sample.js'
import { CheckpointError } from './errors.js'
import type { CheckpointSampler, SampleDefaults, SampleRequest } from './generation/from-checkpoint.js'
import type { GPTConfig } from './gpt/config.js'
import { gptBackbone, savedGptClassifier } from './gpt/finetune.js'
import { fromHuggingFaceGPT2, gpt2ConfigFromHF, gpt2ConfigToHF, toHuggingFaceGPT2 } from './gpt/hf.js'
import { GPT } from './gpt/model.js'
import { GPT_SAMPLE_DEFAULTS, gptObjective } from './gpt/objective.js'
import { sampleGPT } from './gpt/sample.js'
import { untied, withZeroBiases } from './hf/state-dict.js'
import { savedT5Classifier, t5Backbone } from './t5/finetune.js'
import { t5ConfigFromHuggingFace, t5ConfigToHuggingFace, t5StateFromHuggingFace } from './t5/hf.js'
import { T5ForConditionalGeneration } from './t5/model.js'
import { t5Objective } from './t5/objective.js'
import { T5_SAMPLE_DEFAULTS, sampleT5 } from './t5/sample.js'
import { END_OF_TEXT, type Tokenizer } from './tokenizers/index.js'
import type { OpenedRun } from './train/checkpoint.js'
import type { ClassifierBackbone, SavedClassifier } from './train/finetune.js'
import type { Objective } from './train/objective.js'

/** What a kind needs to be written as, and read from, a Hugging Face folder (hf/pretrained.ts). */
export interface HuggingFaceParts {
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

export interface ModelKind {
  /** The checkpoint kind (config.json's "kind") and --model's value. */
  kind: string
  /** Pre-training (adjoint train --model KIND). */
  objective: Objective
  /** Text from a checkpoint (adjoint sample), and its defaults. */
  sample: CheckpointSampler
  sampleDefaults: SampleDefaults
  /** A classifier from a checkpoint (adjoint finetune); absent: the kind cannot be fine-tuned. */
  backbone?: (run: OpenedRun) => ClassifierBackbone
  /** A '<kind>-classifier' checkpoint read back (adjoint classify). */
  savedClassifier?: (run: OpenedRun) => SavedClassifier
  /** Hugging Face folders both ways (adjoint export, fromPretrained); absent: the kind has no HF equivalent. */
  huggingFace?: HuggingFaceParts
}

/**
 * The Hugging Face parts of a model class whose state dict already has HF's names (tied weights
 * aside) and which keeps its config in `.config`, as BERT's and T5's do: owned by its class, written
 * untied, built from the config; only the config and a published state dict need converting.
 */
function hfOfSameNames<C extends object>(
  modelType: string,
  Model: new (config: C) => Module & { readonly config: C },
  configToHF: (config: C) => Record<string, unknown>,
  configFromHF: (hf: Record<string, unknown>) => C,
  stateFromHF: (sd: StateDict, config: C) => StateDict,
): HuggingFaceParts {
  return {
    modelType,
    owns: (m) => m instanceof Model,
    configToHF: (m) => configToHF((m as InstanceType<typeof Model>).config),
    configFromHF,
    stateToHF: (m) => untied(m.stateDict()),
    stateFromHF: (sd, c) => stateFromHF(sd, c as C),
    build: (c) => new Model(c as C),
  }
}

export const MODEL_KINDS = {
  gpt: {
    kind: 'gpt', objective: gptObjective as unknown as Objective, sample: sampleGPT, sampleDefaults: GPT_SAMPLE_DEFAULTS, backbone: gptBackbone, savedClassifier: savedGptClassifier,
    huggingFace: {
      modelType: 'gpt2',
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
    },
  },
  bert: {
    kind: 'bert', objective: bertObjective as unknown as Objective, sample: sampleBert, sampleDefaults: BERT_SAMPLE_DEFAULTS, backbone: bertBackbone, savedClassifier: savedBertClassifier,
    huggingFace: hfOfSameNames('bert', BertForMaskedLM, bertConfigToHuggingFace, bertConfigFromHuggingFace, bertStateFromHuggingFace),
  },
  t5: {
    kind: 't5', objective: t5Objective as unknown as Objective, sample: sampleT5, sampleDefaults: T5_SAMPLE_DEFAULTS, backbone: t5Backbone, savedClassifier: savedT5Classifier,
    huggingFace: hfOfSameNames('t5', T5ForConditionalGeneration, t5ConfigToHuggingFace, t5ConfigFromHuggingFace, t5StateFromHuggingFace),
  },
} as const satisfies Record<string, ModelKind>

export type ModelKindName = keyof typeof MODEL_KINDS
export const MODEL_KIND_NAMES = Object.keys(MODEL_KINDS) as ModelKindName[]
export const FINETUNABLE_KINDS = MODEL_KIND_NAMES.filter((k) => (MODEL_KINDS[k] as ModelKind).backbone)

/** A kind's Hugging Face parts, with the kind's name. */
export type HuggingFaceKind = HuggingFaceParts & { kind: ModelKindName }

/** The kinds with a Hugging Face equivalent, in the table's order. */
export const HUGGING_FACE_KINDS: readonly HuggingFaceKind[] = MODEL_KIND_NAMES.flatMap((k) => {
  const hf = (MODEL_KINDS[k] as ModelKind).huggingFace
  return hf ? [{ kind: k, ...hf }] : []
})

/** The parts of a kind; a CheckpointError for a kind adjoint does not know (a checkpoint from elsewhere). */
export function modelKind(kind: string): ModelKind {
  if (!Object.prototype.hasOwnProperty.call(MODEL_KINDS, kind)) throw new CheckpointError(`unknown model kind "${kind}" (expected one of ${MODEL_KIND_NAMES.join(', ')})`)
  return MODEL_KINDS[kind as ModelKindName]
}

/** The Hugging Face kind of a model, or a CheckpointError saying which models can be exported. */
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

/** Text from the checkpoint of `run`, by its kind's sampler. */
export function sampleCheckpoint(run: OpenedRun, o: SampleRequest, write: (text: string) => void, header?: (modelLine: string) => void): string {
  return modelKind(run.meta.kind).sample(run, o, write, header)
}
