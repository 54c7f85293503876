// PyTorch as bench:train's peer: whether Debian's /usr/bin/python3 has torch,
// and a PyTorch step server (train-step.py, train-step-bert-t5.py) started
// with its best kernels and exactly the threads asked for.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { nativeInfo } from '@adjoint/native'
import { threadsText } from './pair-rounds.js'
import { StepServer } from './step-server.js'

const here = dirname(fileURLToPath(import.meta.url))

/** OpenBLAS's kernels for this CPU, for PyTorch's side (Debian's 0.3.21 falls back to Prescott on recent Xeons): SkylakeX on AVX-512, Haswell on AVX2. */
export function openblasCoreType(): string {
  const isas = nativeInfo()?.details.isas ?? []
  return isas.includes('avx512') ? 'SkylakeX' : isas.includes('avx2') ? 'Haswell' : ''
}

/** '' when /usr/bin/python3 imports torch, else why the comparison is skipped. */
export function torchMissing(): string {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' })
  return probe.status === 0 ? '' : `PyTorch comparison skipped: /usr/bin/python3 cannot import torch (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()})`
}

/**
 * PyTorch's process environment: OPENBLAS_CORETYPE (its side only), and
 * OPENBLAS_NUM_THREADS / OMP_NUM_THREADS = threads. torch.set_num_threads(1)
 * alone leaves Debian's pthread OpenBLAS its own pool of one thread per core,
 * so "1 thread" ran a second busy thread; with the variables it is one thread.
 */
export function torchEnv(coreType: string, threads: number): NodeJS.ProcessEnv {
  return { ...process.env, ...(coreType ? { OPENBLAS_CORETYPE: coreType } : {}), OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) }
}

/** A PyTorch step server: bench/src/<script> with its arguments and --threads. */
export function spawnTorch(script: string, args: string[], threads: number, coreType: string): StepServer {
  return new StepServer(`PyTorch (${script}, ${threadsText(threads)})`, '/usr/bin/python3', [join(here, script), ...args, '--threads', String(threads)], torchEnv(coreType, threads))
}

/** The words for the report: how PyTorch's threads and kernels were set. */
export function torchSetup(coreType: string): string {
  return `its environment (its side only): OPENBLAS_CORETYPE=${coreType || 'unset'}, OPENBLAS_NUM_THREADS and OMP_NUM_THREADS = the pair's thread count, besides torch.set_num_threads (without the variables Debian's pthread OpenBLAS keeps a pool of one thread per core in "1 thread" mode)`
}
