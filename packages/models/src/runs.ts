// What a path given to the CLI opens: a run directory, its checkpoint folder or
// a Hugging Face folder (openRun), a checkpoint to fine-tune by its kind
// (finetuneRun) and a classifier written by adjoint finetune (openClassifier).
// Above registry.ts: a Hugging Face folder is read by its kind's parts there.
import { join, resolve } from 'node:path'
import { CheckpointError } from './errors.js'
import { isHuggingFaceFolder } from './hf/pretrained.js'
import { openHuggingFaceRun } from './hf/run.js'
import { FINETUNABLE_KINDS, MODEL_KINDS, modelKind, type ModelKind, type ModelKindName } from './registry.js'
import { checkIsFolder, expectKind, openRunDirectory, type OpenedRun } from './train/checkpoint.js'
import { finetuneBackbone, type FinetuneRunOptions, type FinetuneRunResult, type SavedClassifier } from './train/finetune.js'

/**
 * Finds and reads a checkpoint: `path` is a run directory (runs/NAME), its
 * checkpoint/ folder, or a Hugging Face model folder (its weights mapped to
 * adjoint's names when loaded). Throws CheckpointError saying what is missing.
 */
export function openRun(path: string): OpenedRun {
  const p = resolve(path)
  checkIsFolder(path, p)
  return isHuggingFaceFolder(p) ? openHuggingFaceRun(p) : openRunDirectory(path)
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
