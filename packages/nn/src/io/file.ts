// File I/O for safetensors and checkpoints: the only Node-specific code in
// @adjoint/nn. node:fs is fetched at call time (process.getBuiltinModule), so
// importing the package in a browser works; only these functions need Node.
import { AdjointError, Tensor } from '@adjoint/core'
import type { StateDict } from '../module.js'
import { checkpointParts, decodeCheckpoint, type TrainingState } from './checkpoint.js'
import { SafetensorsError, decodeSafetensors, safetensorsParts, type Decoded, type EncodeOptions } from './safetensors.js'

type Fs = typeof import('node:fs')
type Path = typeof import('node:path')

function node(op: string): { fs: Fs; path: Path } {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const get = proc?.getBuiltinModule
  if (typeof get !== 'function') throw new AdjointError(`${op}: file I/O needs Node.js (>= 20.16); in a browser use encodeSafetensors/decodeSafetensors on bytes`)
  return { fs: get('node:fs') as Fs, path: get('node:path') as Path }
}

let tmpCounter = 0

/**
 * Writes bytes (or chunks of bytes, one after the other) to `file` atomically: a
 * temporary file in the same directory is written and flushed to disk, then
 * renamed over the target. A crash or error midway leaves the old file (if any)
 * untouched, never a partial one.
 */
export function writeFileAtomic(file: string, bytes: Uint8Array | readonly Uint8Array[]): void {
  const { fs, path } = node('save')
  const dir = path.dirname(path.resolve(file))
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}-${tmpCounter++}`)
  let fd: number | null = null
  try {
    fd = fs.openSync(tmp, 'wx', 0o644)
    for (const chunk of bytes instanceof Uint8Array ? [bytes] : bytes) {
      let off = 0
      while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off)
    }
    fs.fsyncSync(fd)
    fs.closeSync(fd)
    fd = null
    fs.renameSync(tmp, file)
  } catch (e) {
    if (fd !== null) try { fs.closeSync(fd) } catch { /* already failing */ }
    try { fs.unlinkSync(tmp) } catch { /* never created */ }
    throw new AdjointError(`save: could not write ${file}: ${(e as Error).message}`)
  }
  // make the rename itself durable (best effort: not every platform can fsync a directory)
  try {
    const dfd = fs.openSync(dir, 'r')
    try { fs.fsyncSync(dfd) } finally { fs.closeSync(dfd) }
  } catch { /* ignore */ }
}

function readFile(op: string, file: string): Uint8Array {
  const { fs } = node(op)
  try {
    return fs.readFileSync(file)
  } catch (e) {
    throw new SafetensorsError(`${op}: cannot read ${file}: ${(e as Error).message}`)
  }
}

/** Saves named tensors (e.g. model.stateDict()) as a safetensors file, atomically. */
export function save(tensors: StateDict | Record<string, Tensor>, file: string, opts: EncodeOptions = {}): void {
  writeFileAtomic(file, safetensorsParts(tensors, opts)) // no second copy of the tensors in memory
}

/** Loads the tensors of a safetensors file (written by adjoint, Python's safetensors, ...). */
export function load(file: string): StateDict {
  return decodeSafetensors(readFile('load', file), { source: file }).tensors
}

/** Tensors and the "__metadata__" strings of a safetensors file. */
export function loadWithMetadata(file: string): Decoded {
  return decodeSafetensors(readFile('load', file), { source: file })
}

/** Saves model, optimizer, scheduler, step and RNG states in one file, atomically. */
export function saveCheckpoint(file: string, state: TrainingState): void {
  writeFileAtomic(file, checkpointParts(state))
}

/** Restores a checkpoint written by saveCheckpoint into the given objects; returns {step, extra}. */
export function loadCheckpoint(file: string, target: Omit<TrainingState, 'step' | 'extra'>, opts: { strict?: boolean } = {}): { step: number; extra: unknown } {
  return decodeCheckpoint(readFile('loadCheckpoint', file), target, { source: file, strict: opts.strict })
}
