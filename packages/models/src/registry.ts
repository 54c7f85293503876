// The model kinds adjoint trains, samples and fine-tunes: each kind's parts,
// from its own folder. The CLI and fine-tuning look a kind up here instead of
// switching on it; adding a model is adding a row.
import { bertBackbone, savedBertClassifier } from './bert/finetune.js'
import { bertObjective } from './bert/objective.js'
import { BERT_SAMPLE_DEFAULTS, sampleBert } from './bert/sample.js'
import { join } from 'node:path'
import { CheckpointError } from './errors.js'
import type { CheckpointSampler, SampleDefaults, SampleRequest } from './generation/from-checkpoint.js'
import { gptBackbone, savedGptClassifier } from './gpt/finetune.js'
import { GPT_SAMPLE_DEFAULTS, gptObjective } from './gpt/objective.js'
import { sampleGPT } from './gpt/sample.js'
import { savedT5Classifier, t5Backbone } from './t5/finetune.js'
import { t5Objective } from './t5/objective.js'
import { T5_SAMPLE_DEFAULTS, sampleT5 } from './t5/sample.js'
import { expectKind, openRun, type OpenedRun } from './train/checkpoint.js'
import { finetuneBackbone, type ClassifierBackbone, type FinetuneRunOptions, type FinetuneRunResult, type SavedClassifier } from './train/finetune.js'
import type { Objective } from './train/objective.js'

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
}

export const MODEL_KINDS = {
  gpt: { kind: 'gpt', objective: gptObjective as unknown as Objective, sample: sampleGPT, sampleDefaults: GPT_SAMPLE_DEFAULTS, backbone: gptBackbone, savedClassifier: savedGptClassifier },
  bert: { kind: 'bert', objective: bertObjective as unknown as Objective, sample: sampleBert, sampleDefaults: BERT_SAMPLE_DEFAULTS, backbone: bertBackbone, savedClassifier: savedBertClassifier },
  t5: { kind: 't5', objective: t5Objective as unknown as Objective, sample: sampleT5, sampleDefaults: T5_SAMPLE_DEFAULTS, backbone: t5Backbone, savedClassifier: savedT5Classifier },
} as const satisfies Record<string, ModelKind>

export type ModelKindName = keyof typeof MODEL_KINDS
export const MODEL_KIND_NAMES = Object.keys(MODEL_KINDS) as ModelKindName[]
export const FINETUNABLE_KINDS = MODEL_KIND_NAMES.filter((k) => (MODEL_KINDS[k] as ModelKind).backbone)

/** The parts of a kind; a CheckpointError for a kind adjoint does not know (a checkpoint from elsewhere). */
export function modelKind(kind: string): ModelKind {
  if (!Object.prototype.hasOwnProperty.call(MODEL_KINDS, kind)) throw new CheckpointError(`unknown model kind "${kind}" (expected one of ${MODEL_KIND_NAMES.join(', ')})`)
  return MODEL_KINDS[kind as ModelKindName]
}

/** Text from the checkpoint of `run`, by its kind's sampler. */
export function sampleCheckpoint(run: OpenedRun, o: SampleRequest, write: (text: string) => void, header?: (modelLine: string) => void): string {
  return modelKind(run.meta.kind).sample(run, o, write, header)
}

/** Fine-tunes a pretrained checkpoint (of a kind with a backbone) as a classifier. */
export async function finetuneRun(o: FinetuneRunOptions): Promise<FinetuneRunResult> {
  const run = openRun(o.ckpt)
  if (o.model) expectKind(run, o.model)
  const backbone = modelKind(run.meta.kind).backbone
  if (!backbone) throw new CheckpointError(`${run.dir} holds a "${run.meta.kind}" model, which cannot be fine-tuned as a classifier (only ${FINETUNABLE_KINDS.join(', ')} can)`)
  return finetuneBackbone(run, backbone(run), o)
}

/** Opens a classifier checkpoint written by adjoint finetune (kind '<model>-classifier'). */
export function openClassifier(path: string): SavedClassifier & { run: OpenedRun } {
  const run = openRun(path)
  const m = /^(.+)-classifier$/.exec(run.meta.kind)
  const saved = m && Object.prototype.hasOwnProperty.call(MODEL_KINDS, m[1]) ? (MODEL_KINDS[m[1] as ModelKindName] as ModelKind).savedClassifier : undefined
  if (!saved) throw new CheckpointError(`${run.dir} holds a "${run.meta.kind}" model, not a classifier written by adjoint finetune`)
  if (!Array.isArray(run.meta.labels) || run.meta.labels.length < 2) throw new CheckpointError(`${join(run.dir, 'config.json')} has no class names ("labels")`)
  return { ...saved(run), run }
}
