// Training checkpoints as safetensors bytes: model weights, optimizer state,
// scheduler, step and RNG states in one file, so a resumed run continues
// exactly where it stopped. Tensors go in the data section ("model.*",
// "optimizer.<param>.<key>"); everything else is JSON in the metadata.
import { Generator, Tensor, ValueError, defaultGenerator, type GeneratorState } from '@adjoint/core'
import type { Module } from '../module.js'
import type { Optimizer, OptimizerStateDict, ParamState } from '../optim/optimizer.js'
import type { LRScheduler, SchedulerState } from '../optim/schedulers.js'
import { SafetensorsError, concatBytes, decodeSafetensors, safetensorsParts } from './safetensors.js'

export const CHECKPOINT_KEY = 'adjoint.checkpoint'

export interface TrainingState {
  model: Module
  optimizer?: Optimizer | null
  scheduler?: LRScheduler | null
  /** The training step (iteration) reached. */
  step?: number
  /** Random generators to save and restore; default {default: the global generator}. */
  generators?: Record<string, Generator>
  /** Anything JSON-serializable (config, best validation loss, ...). */
  extra?: unknown
}

interface CheckpointMeta {
  format: 1
  step: number
  optimizer: { paramGroups: OptimizerStateDict['paramGroups']; scalars: Record<string, Record<string, number>> } | null
  scheduler: SchedulerState | null
  generators: Record<string, GeneratorState>
  extra: unknown
}

/** The bytes of a training checkpoint (safetensors with the training state in its metadata). */
export function encodeCheckpoint(state: TrainingState): Uint8Array {
  return concatBytes(checkpointParts(state))
}

/** encodeCheckpoint's bytes as chunks (see safetensorsParts), for a file writer. */
export function checkpointParts(state: TrainingState): Uint8Array[] {
  if (!state || typeof state !== 'object' || !state.model) throw new ValueError('encodeCheckpoint: expected {model, optimizer?, scheduler?, step?, generators?, extra?}')
  const tensors: Record<string, Tensor> = {}
  for (const [k, t] of Object.entries(state.model.stateDict())) tensors[`model.${k}`] = t
  let optimizer: CheckpointMeta['optimizer'] = null
  if (state.optimizer) {
    const sd = state.optimizer.stateDict()
    const scalars: Record<string, Record<string, number>> = {}
    for (const [idx, st] of Object.entries(sd.state)) {
      for (const [k, v] of Object.entries(st)) {
        if (v instanceof Tensor) tensors[`optimizer.${idx}.${k}`] = v
        else (scalars[idx] ??= {})[k] = v
      }
      scalars[idx] ??= {}
    }
    optimizer = { paramGroups: sd.paramGroups, scalars }
  }
  const generators: Record<string, GeneratorState> = {}
  for (const [name, g] of Object.entries(state.generators ?? { default: defaultGenerator })) generators[name] = g.getState()
  const meta: CheckpointMeta = {
    format: 1,
    step: state.step ?? 0,
    optimizer,
    scheduler: state.scheduler ? state.scheduler.stateDict() : null,
    generators,
    extra: state.extra ?? null,
  }
  return safetensorsParts(tensors, { metadata: { [CHECKPOINT_KEY]: JSON.stringify(meta) } })
}

/**
 * Restores a checkpoint into the given model / optimizer / scheduler / generators
 * (built the same way as when it was saved) and returns the step and extra data.
 */
export function decodeCheckpoint(bytes: Uint8Array, target: Omit<TrainingState, 'step' | 'extra'>, opts: { source?: string; strict?: boolean } = {}): { step: number; extra: unknown } {
  const src = opts.source ?? '<bytes>'
  const fail = (msg: string): never => { throw new SafetensorsError(`checkpoint: ${src}: ${msg}`) }
  const { tensors, metadata } = decodeSafetensors(bytes, { source: src })
  const text = metadata[CHECKPOINT_KEY]
  if (text === undefined) fail(`not a training checkpoint (no "${CHECKPOINT_KEY}" metadata); use load() for plain state dicts`)
  let meta: CheckpointMeta
  try {
    meta = JSON.parse(text) as CheckpointMeta
  } catch (e) {
    return fail(`the "${CHECKPOINT_KEY}" metadata is not valid JSON (${(e as Error).message})`)
  }
  if (meta === null || typeof meta !== 'object' || meta.format !== 1) fail(`unsupported checkpoint format ${JSON.stringify((meta as { format?: unknown } | null)?.format)}`)
  const model: Record<string, Tensor> = {}
  const optTensors: Record<string, Record<string, Tensor>> = {}
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith('model.')) model[k.slice(6)] = t
    else if (k.startsWith('optimizer.')) {
      const rest = k.slice(10), dot = rest.indexOf('.')
      if (dot < 0) fail(`malformed optimizer tensor name "${k}"`)
      ;(optTensors[rest.slice(0, dot)] ??= {})[rest.slice(dot + 1)] = t
    } else fail(`unexpected tensor "${k}" (expected model.* or optimizer.*)`)
  }
  target.model.loadStateDict(model, { strict: opts.strict ?? true })
  if (target.optimizer) {
    if (!meta.optimizer) fail('the checkpoint has no optimizer state')
    const state: Record<number, ParamState> = {}
    const ids = new Set([...Object.keys(meta.optimizer!.scalars ?? {}), ...Object.keys(optTensors)])
    for (const id of ids) state[Number(id)] = { ...(meta.optimizer!.scalars?.[id] ?? {}), ...(optTensors[id] ?? {}) }
    target.optimizer.loadStateDict({ state, paramGroups: meta.optimizer!.paramGroups })
  }
  if (target.scheduler) {
    if (!meta.scheduler) fail('the checkpoint has no scheduler state')
    target.scheduler.loadStateDict(meta.scheduler!)
  }
  const gens = target.generators ?? { default: defaultGenerator }
  for (const [name, g] of Object.entries(gens)) {
    const s = meta.generators?.[name]
    if (!s) fail(`the checkpoint has no state for generator "${name}"`)
    g.setState(s!)
  }
  return { step: meta.step, extra: meta.extra }
}
