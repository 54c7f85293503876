// The CLI turns the native kernels on: importing @adjoint/native registers them into core.
import '@adjoint/native'
import { nativeInfo, nativeUnavailableReason, setNumThreads } from '@adjoint/native'

/** One line saying what the kernels run on. */
export function backendLine(): string {
  const info = nativeInfo()
  if (!info) return `backend: pure TypeScript kernels (native addon not loaded: ${nativeUnavailableReason() || 'unknown reason'})`
  return `backend: native addon (gemm: ${info.gemm.reason}; ${info.isa} row kernels, ${info.threads} thread${info.threads > 1 ? 's' : ''})`
}

/** Applies --threads (a no-op without the addon, said in the returned note). */
export function applyThreads(n: number | undefined): string | null {
  if (n === undefined) return null
  if (!nativeInfo()) return `--threads ${n} ignored: the pure TypeScript kernels are single-threaded`
  setNumThreads(n)
  return null
}

/** Applies --threads, then prints the backend line (and why --threads was ignored, if it was) to stdout. */
export function announceBackend(threads: number | undefined): void {
  const note = applyThreads(threads)
  process.stdout.write(backendLine() + '\n')
  if (note) process.stdout.write(note + '\n')
}
