// Recording of a fused op: one node whose backward runs the op's backward
// kernel in an ordinary backward pass, and its composed rule (Tensor ops, so
// itself differentiable) when a graph of the backward is being built
// (backward({createGraph: true}), gradgradcheck, hvp...). The two rules must
// compute the same gradient; the op's tests compare them.
import { isGradEnabled } from './grad-mode.js'
import { record, type BackwardFn } from './node.js'
import type { Tensor } from '../tensor.js'

export interface FusedBackward {
  /** The backward kernel(s): fast, records nothing. */
  kernel: BackwardFn
  /** The same rule with Tensor ops: differentiable again. */
  composed: BackwardFn
}

/** The backward function choosing between a fused op's kernel and composed rules. */
export function fusedBackward(rules: FusedBackward): BackwardFn {
  // inside backward(), grad mode is on only when createGraph asked for it
  return (g) => (isGradEnabled() ? rules.composed(g) : rules.kernel(g))
}

/** record() for a fused op: attaches a node to `out` with both backward rules. */
export function recordFused(op: string, out: Tensor, inputs: readonly (Tensor | number | boolean | null | undefined)[], rules: FusedBackward, saved: readonly Tensor[] = []): Tensor {
  return record(op, out, inputs, fusedBackward(rules), saved)
}
