// A run directory and its checkpoint, for any model:
//
//   runs/NAME/
//     checkpoint/                    replaced as a whole (see saveRunCheckpoint)
//       config.json                  what was trained, how, on what, up to which step
//       tokenizer.json
//       model.safetensors            the weights (loadable by Python's safetensors)
//       train_state.safetensors      weights + optimizer + scheduler + step + RNG states (for --resume)
//     log.csv                        one row per step
//     loss.svg                       the loss curves
//
// The checkpoint folder is written next to the old one and swapped in with two
// renames, so a crash leaves either the old or the new checkpoint, never a mix;
// if it happens between the renames, openRun finds the old one (.checkpoint.old).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type Generator } from '@adjoint/core'
import { type LRScheduler, type Module, type Optimizer, loadCheckpoint, loadWithMetadata, save, saveCheckpoint, writeFileAtomic } from '@adjoint/nn'
import { CheckpointError } from '../errors.js'
import { tokenizerFromJSON, type Tokenizer } from '../tokenizers/index.js'

export const RUN_FORMAT = 'adjoint-run'

/** config.json of a checkpoint. */
export interface RunMeta {
  format: typeof RUN_FORMAT
  version: 1
  /** What the weights are: 'gpt', 'gpt-classifier', ... */
  kind: string
  /** The model's constructor config. */
  model: Record<string, unknown>
  /** The training config. */
  train: Record<string, unknown>
  /** Steps done. */
  step: number
  /** Where the training text came from: {source: 'brown'} or {source: 'file', path}. */
  data: Record<string, unknown>
  /** Class names, for classifiers. */
  labels?: string[]
  /** Last evaluation, e.g. {trainLoss, valLoss} or {accuracy}. */
  metrics?: Record<string, number>
  /** Anything else a kind needs (e.g. the pretrained run a classifier started from). */
  extra?: Record<string, unknown>
}

export interface TrainingObjects {
  model: Module
  optimizer?: Optimizer | null
  scheduler?: LRScheduler | null
  generators?: Record<string, Generator>
}

const CKPT = 'checkpoint', OLD = '.checkpoint.old'

export function checkpointDir(runDir: string): string {
  return join(runDir, CKPT)
}

/** Writes runDir/checkpoint/ (replacing the previous one as a whole). */
export function saveRunCheckpoint(runDir: string, meta: RunMeta, tokenizer: Tokenizer, objs: TrainingObjects): void {
  mkdirSync(runDir, { recursive: true })
  const tmp = join(runDir, `.checkpoint.tmp-${process.pid}`)
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp)
  writeFileAtomic(join(tmp, 'config.json'), new TextEncoder().encode(JSON.stringify(meta, null, 2) + '\n'))
  writeFileAtomic(join(tmp, 'tokenizer.json'), new TextEncoder().encode(tokenizer.serialize()))
  save(objs.model.stateDict(), join(tmp, 'model.safetensors'), { metadata: { format: 'pt', 'adjoint.kind': meta.kind, 'adjoint.config': JSON.stringify(meta.model) } })
  if (objs.optimizer) {
    saveCheckpoint(join(tmp, 'train_state.safetensors'), { model: objs.model, optimizer: objs.optimizer, scheduler: objs.scheduler ?? null, step: meta.step, generators: objs.generators })
  }
  const dst = join(runDir, CKPT), old = join(runDir, OLD)
  rmSync(old, { recursive: true, force: true })
  if (existsSync(dst)) renameSync(dst, old)
  renameSync(tmp, dst)
  rmSync(old, { recursive: true, force: true })
}

export interface OpenedRun {
  /** The run directory (parent of checkpoint/). */
  runDir: string
  /** The checkpoint directory that was found. */
  dir: string
  meta: RunMeta
  tokenizer: Tokenizer
}

/**
 * Finds and reads a checkpoint: `path` is a run directory (runs/NAME) or its
 * checkpoint/ folder. Throws CheckpointError saying what is missing.
 */
export function openRun(path: string): OpenedRun {
  const p = resolve(path)
  if (!existsSync(p)) throw new CheckpointError(`checkpoint not found: ${path} does not exist`)
  if (!statSync(p).isDirectory()) throw new CheckpointError(`checkpoint not found: ${path} is a file; pass the run directory (e.g. runs/tiny-brown)`)
  let dir: string, runDir: string
  if (existsSync(join(p, 'config.json')) && existsSync(join(p, 'model.safetensors'))) { dir = p; runDir = resolve(p, '..') }
  else if (existsSync(join(p, CKPT))) { dir = join(p, CKPT); runDir = p }
  else if (existsSync(join(p, OLD))) { dir = join(p, OLD); runDir = p }
  else throw new CheckpointError(`no checkpoint in ${path}: expected ${join(path, CKPT)}/ (written by adjoint train)`)
  const read = (f: string) => {
    const file = join(dir, f)
    if (!existsSync(file)) throw new CheckpointError(`incomplete checkpoint ${dir}: ${f} is missing`)
    return readFileSync(file, 'utf8')
  }
  let meta: RunMeta
  try {
    meta = JSON.parse(read('config.json')) as RunMeta
  } catch (e) {
    if (e instanceof CheckpointError) throw e
    throw new CheckpointError(`${join(dir, 'config.json')} is not valid JSON (${(e as Error).message})`)
  }
  if (meta?.format !== RUN_FORMAT || typeof meta.kind !== 'string' || typeof meta.model !== 'object') throw new CheckpointError(`${join(dir, 'config.json')} is not an adjoint checkpoint config (format ${JSON.stringify(meta?.format)})`)
  read('model.safetensors')
  let tokenizer: Tokenizer
  try {
    tokenizer = tokenizerFromJSON(read('tokenizer.json'))
  } catch (e) {
    if (e instanceof CheckpointError) throw e
    throw new CheckpointError(`${join(dir, 'tokenizer.json')}: ${(e as Error).message}`)
  }
  return { runDir, dir, meta, tokenizer }
}

/** Checks the checkpoint holds `kind` weights (e.g. refuses a classifier where a GPT is expected). */
export function expectKind(run: OpenedRun, kind: string): void {
  if (run.meta.kind !== kind) throw new CheckpointError(`${run.dir} holds a "${run.meta.kind}" model, not a "${kind}" one`)
}

/** Loads model.safetensors into a model built from the checkpoint's config; shape or name mismatches become CheckpointErrors. */
export function loadRunWeights(run: OpenedRun, model: Module): void {
  const file = join(run.dir, 'model.safetensors')
  let tensors
  try {
    tensors = loadWithMetadata(file).tensors
  } catch (e) {
    throw new CheckpointError(`cannot read ${file}: ${(e as Error).message}`)
  }
  try {
    model.loadStateDict(tensors)
  } catch (e) {
    throw new CheckpointError(`${file} does not fit the model described by its config.json (a checkpoint of a different model?): ${(e as Error).message}`)
  }
}

/** Restores weights, optimizer, scheduler and generators from train_state.safetensors; returns the step. */
export function loadTrainingState(run: OpenedRun, objs: TrainingObjects): number {
  const file = join(run.dir, 'train_state.safetensors')
  if (!existsSync(file)) throw new CheckpointError(`${run.dir} has no train_state.safetensors (optimizer state), so the run cannot be resumed exactly`)
  try {
    return loadCheckpoint(file, { model: objs.model, optimizer: objs.optimizer ?? null, scheduler: objs.scheduler ?? null, generators: objs.generators }).step
  } catch (e) {
    throw new CheckpointError(`cannot resume from ${file}: ${(e as Error).message}`)
  }
}
