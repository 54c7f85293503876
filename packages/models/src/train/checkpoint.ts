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
// The checkpoint folder is written next to the old one (.checkpoint.tmp-PID) and
// swapped in with two renames, so a crash leaves either the old or the new
// checkpoint, never a mix; if it happens between the renames, openRunDirectory finds the
// old one (.checkpoint.old, its checksums verified) and says so, and the next
// training start puts it back (tidyRunDir), removing unfinished folders.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type Generator } from '@adjoint/core'
import { type LRScheduler, type Module, type Optimizer, type StateDict, loadCheckpoint, loadWithMetadata, save, saveCheckpoint, writeFileAtomic } from '@adjoint/nn'
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
  /** Set when checkpoint/ was missing and the previous one (.checkpoint.old, verified whole) was used: a line for the user. */
  recovered?: string
  /** A Hugging Face folder's weights, mapped to adjoint's names (instead of dir/model.safetensors). */
  weights?: () => StateDict
}

const TMP_PREFIX = '.checkpoint.tmp-'

/** Unfinished checkpoint folders in runDir (.checkpoint.tmp-PID) whose process is gone. */
function abandonedTmpDirs(runDir: string): string[] {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) return []
  return readdirSync(runDir).filter((n) => n.startsWith(TMP_PREFIX) && !processAlive(Number(n.slice(TMP_PREFIX.length))))
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Throws a CheckpointError unless dir holds a whole checkpoint: every file there, each safetensors file's checksum right. */
function verifyCheckpoint(dir: string): void {
  for (const f of ['config.json', 'tokenizer.json', 'model.safetensors']) if (!existsSync(join(dir, f))) throw new CheckpointError(`incomplete checkpoint ${dir}: ${f} is missing`)
  for (const f of ['model.safetensors', 'train_state.safetensors']) {
    if (!existsSync(join(dir, f))) continue
    try {
      loadWithMetadata(join(dir, f))
    } catch (e) {
      throw new CheckpointError(`damaged checkpoint ${dir}: ${f}: ${(e as Error).message}`)
    }
  }
}

/**
 * Tidies a run directory before training writes to it: puts back a whole
 * .checkpoint.old when checkpoint/ is missing (a stop between the two renames
 * of a save), then removes the unfinished folders earlier runs left
 * (.checkpoint.tmp-PID of processes that are gone, a .checkpoint.old next to a
 * checkpoint/). Returns a line per thing done, for the user.
 */
export function tidyRunDir(runDir: string): string[] {
  const notes: string[] = []
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) return notes
  const dst = join(runDir, CKPT), old = join(runDir, OLD)
  if (!existsSync(dst) && existsSync(old)) {
    verifyCheckpoint(old)
    renameSync(old, dst)
    notes.push(`restored ${dst} from ${old} (the last save stopped between its two renames; the previous checkpoint is whole: its checksums match)`)
  }
  const removed = abandonedTmpDirs(runDir)
  if (existsSync(old)) removed.push(OLD)
  for (const n of removed) rmSync(join(runDir, n), { recursive: true, force: true })
  if (removed.length > 0) notes.push(`removed ${removed.length} unfinished checkpoint folder${removed.length > 1 ? 's' : ''} left by an interrupted save in ${runDir}: ${removed.join(', ')}`)
  return notes
}

/**
 * Finds and reads a checkpoint: `path` is a run directory (runs/NAME) or its
 * checkpoint/ folder. Throws CheckpointError saying what is missing. (runs.ts's
 * openRun also takes a Hugging Face folder.)
 */
export function openRunDirectory(path: string): OpenedRun {
  const p = resolve(path)
  checkIsFolder(path, p)
  let dir: string, runDir: string, fallback = false
  if (existsSync(join(p, 'config.json')) && existsSync(join(p, 'model.safetensors'))) { dir = p; runDir = resolve(p, '..') }
  else if (existsSync(join(p, CKPT))) { dir = join(p, CKPT); runDir = p }
  else if (existsSync(join(p, OLD))) {
    dir = join(p, OLD); runDir = p; fallback = true
    verifyCheckpoint(dir)
  } else if (abandonedTmpDirs(p).length > 0) {
    throw new CheckpointError(`no checkpoint was completed in ${path} yet: the first save was interrupted (${abandonedTmpDirs(p).join(', ')} is unfinished); start the run again without --resume, with --out ${path}`)
  } else throw new CheckpointError(`no checkpoint in ${path}: expected ${join(path, CKPT)}/ (written by adjoint train)`)
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
  const recovered = fallback ? `${join(runDir, CKPT)} is missing: using ${dir}, the checkpoint before an interrupted save (its checksums match)` : undefined
  return { runDir, dir, meta, tokenizer, ...(recovered ? { recovered } : {}) }
}

/** A CheckpointError unless `path` (resolved: p) is an existing folder. */
export function checkIsFolder(path: string, p: string = resolve(path)): void {
  if (!existsSync(p)) throw new CheckpointError(`checkpoint not found: ${path} does not exist`)
  if (!statSync(p).isDirectory()) throw new CheckpointError(`checkpoint not found: ${path} is a file; pass the run directory (e.g. runs/tiny-brown)`)
}

/** Checks the checkpoint holds `kind` weights (e.g. refuses a classifier where a GPT is expected). */
export function expectKind(run: OpenedRun, kind: string): void {
  if (run.meta.kind !== kind) throw new CheckpointError(`${run.dir} holds a "${run.meta.kind}" model, not a "${kind}" one`)
}

/** Loads model.safetensors into a model built from the checkpoint's config; shape or name mismatches become CheckpointErrors. */
export function loadRunWeights(run: OpenedRun, model: Module): void {
  const file = join(run.dir, 'model.safetensors')
  let decoded
  try {
    decoded = run.weights ? { tensors: run.weights(), metadata: {} as Record<string, string> } : loadWithMetadata(file)
  } catch (e) {
    if (e instanceof CheckpointError) throw e
    throw new CheckpointError(`cannot read ${file}: ${(e as Error).message}`)
  }
  try {
    model.loadStateDict(decoded.tensors)
  } catch (e) {
    const saved = parseConfig(decoded.metadata?.['adjoint.config'])
    throw new CheckpointError(`${file} does not fit the model described by its config.json (a checkpoint of a different model?): ${mismatchSummary(e as Error, saved, run.meta.model)}`)
  }
}

function parseConfig(json: string | undefined): Record<string, unknown> | null {
  try {
    return json ? JSON.parse(json) as Record<string, unknown> : null
  } catch {
    return null
  }
}

/** How many tensors a load error lists before "and N more". */
const SHOWN_PROBLEMS = 3

/**
 * A load error in a few lines: which config values differ between the weights
 * (`saved`, from their metadata) and the model (`expected`), then the first few
 * of the tensors that do not fit and how many more.
 */
export function mismatchSummary(err: Error, saved: Record<string, unknown> | null, expected: Record<string, unknown> | null): string {
  const lines = err.message.split('\n').map((l) => l.trim()).filter(Boolean)
  const problems = lines[0]?.startsWith('loadStateDict:') ? lines.slice(1) : lines
  const parts: string[] = []
  if (saved && expected) {
    const differ = [...new Set([...Object.keys(saved), ...Object.keys(expected)])]
      .filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(expected[k]))
      .map((k) => `${k} ${JSON.stringify(expected[k])} (config) vs ${JSON.stringify(saved[k])} (weights)`)
    if (differ.length > 0) parts.push(`the config differs from the one the weights were saved with: ${differ.join(', ')}`)
  }
  const shown = problems.slice(0, SHOWN_PROBLEMS).map((p) => p.length > 200 ? p.slice(0, 200) + '...' : p)
  const more = problems.length - shown.length
  parts.push(`${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`)
  return parts.join('\n')
}

/** Restores weights, optimizer, scheduler and generators from train_state.safetensors; returns the step. */
export function loadTrainingState(run: OpenedRun, objs: TrainingObjects): number {
  const file = join(run.dir, 'train_state.safetensors')
  if (!existsSync(file)) throw new CheckpointError(`${run.dir} has no train_state.safetensors (optimizer state), so the run cannot be resumed exactly`)
  try {
    return loadCheckpoint(file, { model: objs.model, optimizer: objs.optimizer ?? null, scheduler: objs.scheduler ?? null, generators: objs.generators }).step
  } catch (e) {
    throw new CheckpointError(`cannot resume from ${file}: ${mismatchSummary(e as Error, null, null)}`)
  }
}
