// Writing a folder as a whole: the files go into a temporary sibling folder,
// which is then renamed into place, so a crash leaves the old folder or the
// new one, never a mix or a half-written file.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { writeFileAtomic } from '@adjoint/nn'
import { CheckpointError } from '../errors.js'

/** Writes `files` (name -> bytes or text) as the folder `dir`; an existing non-empty `dir` is replaced only with overwrite. */
export function writeFolderAtomic(dir: string, files: Record<string, Uint8Array | string>, opts: { overwrite?: boolean } = {}): void {
  const target = resolve(dir)
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new CheckpointError(`${dir} exists and is a file, not a folder`)
    if (readdirSync(target).length > 0 && !opts.overwrite) throw new CheckpointError(`${dir} exists and is not empty (pass overwrite / --force to replace it)`)
  }
  mkdirSync(dirname(target), { recursive: true })
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`)
  const old = join(dirname(target), `.${basename(target)}.old-${process.pid}`)
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp)
  try {
    for (const [name, data] of Object.entries(files)) writeFileAtomic(join(tmp, name), typeof data === 'string' ? new TextEncoder().encode(data) : data)
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true })
    throw e
  }
  rmSync(old, { recursive: true, force: true })
  if (existsSync(target)) renameSync(target, old)
  renameSync(tmp, target)
  rmSync(old, { recursive: true, force: true })
}
