// Where a training step's time goes, by backend kernel family: every kernel of
// the current backend wrapped with a timer while `fn` runs (bench:train's
// profile tables for GPT, BERT and T5); what the kernels do not account for is
// JavaScript (autograd bookkeeping, allocation, GC, op dispatch).
import { getBackend, type Backend, type Layout } from '@adjoint/core'
import { threadsText } from './pair-rounds.js'

export type KernelTimes = Map<string, { ms: number; calls: number }>

/** A kernel call's row: gemms split by size (GPT's Linear layers are 768 x 128 x 128 and up), elementwise ops by name. */
export function kernelFamily(k: string, a: unknown[]): string {
  if (k === 'gemm') {
    // a [...batch, m, k], c [...batch, m, n]: m n k per matrix
    const aL = a[1] as Layout, cL = a[5] as Layout, nd = cL.shape.length
    const mnk = cL.shape[nd - 2]! * cL.shape[nd - 1]! * aL.shape[nd - 1]!
    return mnk >= 768 * 128 * 128 ? 'gemm (m n k >= 768 x 128 x 128)' : 'gemm (smaller)'
  }
  if (k === 'binary') return `elementwise ${a[0] as string}`
  if (k === 'unary') return `elementwise ${a[0] as string}`
  if (k === 'reduce') return `reduce ${a[0] as string}`
  if (k === 'copy') return 'copy (strided -> contiguous)'
  return k
}

/** Runs fn with every backend kernel timed (the backend's own functions are put back after, even on a throw). */
export function withKernelTimes(fn: () => void): KernelTimes {
  const times: KernelTimes = new Map()
  const be = getBackend() as unknown as Record<string, (...a: unknown[]) => unknown>
  const saved: Record<string, (...a: unknown[]) => unknown> = {}
  for (const k of Object.keys(be)) {
    const f = be[k]
    if (typeof f !== 'function') continue
    saved[k] = f
    be[k] = (...a: unknown[]) => {
      const s = performance.now()
      const r = f(...a)
      const key = kernelFamily(k, a)
      const e = times.get(key) ?? { ms: 0, calls: 0 }
      e.ms += performance.now() - s
      e.calls++
      times.set(key, e)
      return r
    }
  }
  try {
    fn()
  } finally {
    Object.assign(be, saved as unknown as Partial<Backend>)
  }
  return times
}

/** The profile as markdown rows (ms and calls per step, share of the step), largest first, rows under 0.05 ms left out, and the total row. */
export function kernelTable(times: KernelTimes, steps: number, stepMs: number): string {
  const f1 = (v: number) => v.toFixed(1)
  const total = [...times.values()].reduce((a, e) => a + e.ms, 0) / steps
  const rows = [...times].sort((a, b) => b[1].ms - a[1].ms).filter(([, e]) => e.ms / steps >= 0.05)
    .map(([k, e]) => `| ${k} | ${f1(e.ms / steps)} | ${(e.calls / steps).toFixed(0)} | ${(100 * e.ms / steps / stepMs).toFixed(0)}% |`)
  return `| backend kernel | ms per step | calls per step | share of the step |
| --- | --- | --- | --- |
${rows.join('\n')}
| **all backend kernels** | ${f1(total)} | | ${(100 * total / stepMs).toFixed(0)}% |`
}

/** Backend calls per step. */
export function callsPerStep(times: KernelTimes, steps: number): number {
  return [...times.values()].reduce((a, e) => a + e.calls, 0) / steps
}

/** Milliseconds per step in the kernels. */
export function kernelMsPerStep(times: KernelTimes, steps: number): number {
  return [...times.values()].reduce((a, e) => a + e.ms, 0) / steps
}

/** PyTorch's side of a profile (torch_common.profile): wall ms per step while profiling, and [op, self CPU ms per step, calls per step], largest first. */
export interface TorchProfile { steps: number; step_ms: number; ops: [string, number, number][] }

/** PyTorch's profile for a report: how it was taken and its rows like kernelTable's (the 20 largest ops of at least 0.05 ms per step, the others together, the total). */
export function torchProfileText(p: TorchProfile, threads: number): string {
  const f1 = (v: number) => v.toFixed(1)
  const total = p.ops.reduce((a, [, ms]) => a + ms, 0)
  const top = p.ops.slice(0, 20).filter(([, ms]) => ms >= 0.05), rest = p.ops.slice(top.length)
  if (rest.length > 0) top.push([`${rest.length} other ops`, rest.reduce((a, [, ms]) => a + ms, 0), rest.reduce((a, [, , c]) => a + c, 0)])
  const rows = top.map(([op, ms, calls]) => `| ${op} | ${f1(ms)} | ${calls.toFixed(0)} | ${(100 * ms / p.step_ms).toFixed(0)}% |`)
  return `PyTorch's step, the same way (${p.steps} steps on ${threadsText(threads)} under torch.autograd.profiler, ${f1(p.step_ms)} ms per step while profiling; an op's self time leaves out the ops it calls; the rest of the step is Python, the autograd engine and the profiler's own cost):

| PyTorch op (self CPU time) | ms per step | calls per step | share of the step |
| --- | --- | --- | --- |
${rows.join('\n')}
| **all ops** | ${f1(total)} | ${p.ops.reduce((a, [, , c]) => a + c, 0).toFixed(0)} | ${(100 * total / p.step_ms).toFixed(0)}% |`
}
