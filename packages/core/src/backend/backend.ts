// The seam between tensors and numbers. A kernel is a plain function over
// TypedArrays plus shape/stride numbers: no Tensor, no autograd inside.
// The pure-TS kernels (./ts) implement everything; @adjoint/native replaces
// some of them (gemm, softmax...) by calling registerKernels().
import type { KernelFn, KernelName, KernelTable } from './signatures.js'

export { KERNELS, arg, struct, flatArgs, type FlatArg, type FlatKernelFn, type ArgKind, type ArgKinds, type ArgSpec, type StructSpec, type ParamSpec, type KernelSpec, type KernelTable, type KernelName, type KernelFn, type UnaryOp, type BinaryOp, type ReduceOp, type AdamHyper, type SgdHyper, type AttentionInputs } from './signatures.js'

/** Every kernel, typed from its row in KERNELS (signatures.ts): the one place a kernel's signature is written. */
export type Backend = { [K in KernelName]: KernelFn<KernelTable[K]> }

/** Groups of kernels (for backends that provide a family). */
export type RowwiseKernels = Pick<Backend, 'softmax' | 'logSoftmax' | 'softmaxBackward' | 'logSoftmaxBackward'>
export type FusedKernels = Pick<Backend, 'layerNorm' | 'layerNormBackward' | 'crossEntropy' | 'crossEntropyBackward'>
export type GeluKernels = Pick<Backend, 'gelu' | 'geluBackward'>
export type AttentionKernels = Pick<Backend, 'attention' | 'attentionBackward'>
export type OptimizerKernels = Pick<Backend, 'adamStep' | 'sgdStep' | 'sumSquares' | 'scaleAll'>
/** attention's argument: the shared inputs plus mask, causal, queryOffset and out. */
export type AttentionArgs = Parameters<Backend['attention']>[0]
export type AttentionBackwardArgs = Parameters<Backend['attentionBackward']>[0]

const overrides = new Map<KernelName, string>()
let active: Backend | null = null

/** The kernels in use now. */
export function getBackend(): Backend {
  if (active === null) throw new Error('adjoint: no backend installed (import @adjoint/core, not a deep path)')
  return active
}

/** Installs the reference kernels; called once by core's index. */
export function setReferenceBackend(b: Backend): void {
  active = { ...b }
  reference = b
  overrides.clear()
}
let reference: Backend | null = null

/** The pure-TS kernels, whatever is registered over them (used by tests as the reference). */
export function referenceBackend(): Backend {
  if (reference === null) throw new Error('adjoint: no backend installed')
  return reference
}

/** Replaces some kernels (e.g. by @adjoint/native). `source` names who provides them. */
export function registerKernels(source: string, kernels: Partial<Backend>): void {
  const b = getBackend() as unknown as Record<string, unknown>
  for (const [name, fn] of Object.entries(kernels)) {
    if (typeof fn !== 'function') continue
    b[name] = fn
    overrides.set(name as KernelName, source)
  }
}

/** Restores the reference kernels (all, or the named ones). */
export function resetKernels(names?: KernelName[]): void {
  const b = getBackend() as unknown as Record<string, unknown>
  const ref = referenceBackend() as unknown as Record<string, unknown>
  for (const name of names ?? [...overrides.keys()]) {
    b[name] = ref[name]
    overrides.delete(name)
  }
}

/** E.g. "ts" or "ts + native(gemm, softmax, ...)". */
export function backendInfo(): { name: string; overrides: Record<string, string> } {
  const bySource = new Map<string, string[]>()
  for (const [k, s] of overrides) bySource.set(s, [...(bySource.get(s) ?? []), k])
  const parts = [...bySource].map(([s, ks]) => `${s}(${ks.join(', ')})`)
  return { name: ['ts', ...parts].join(' + '), overrides: Object.fromEntries(overrides) }
}
