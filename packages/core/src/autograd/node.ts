// A node of the autograd graph: the op that made a tensor, its inputs, and the
// closure that turns the output's gradient into the inputs' gradients.
import { AutogradError } from '../errors.js'
import type { Tensor } from '../tensor.js'
import { isGradEnabled } from './grad-mode.js'
import { anomaly } from './anomaly-state.js'
import { traceForward } from './trace-state.js'
import { activeScope, noteNode } from '../memory/graph-scope.js'

/** Maps the gradient of the output to one gradient per input (null: no gradient). */
export type BackwardFn = (grad: Tensor) => readonly (Tensor | null | undefined)[]

interface Saved {
  tensor: Tensor
  version: number
}

export class Node {
  /** Hooks registered on the output tensor (registerHook on a non-leaf). */
  hooks: ((grad: Tensor) => Tensor | void)[] | null = null
  /** For a view op (reshape, slice, transpose...): the tensor it is a view of. */
  viewOf: Tensor | null = null
  /** The output tensor, when it asked to keep its gradient (retainGrad). */
  retained: Tensor | null = null
  /**
   * Its backward is user code (defineFunction) that might keep the gradients it
   * sees: the engine never reuses the buffers going in or out of it.
   */
  opaque = false
  /** Where the node was created (only in anomaly mode). */
  readonly stack: string | undefined
  private saved: Saved[]

  constructor(
    /** The op's name, e.g. "mul". */
    readonly op: string,
    /** The inputs; null for inputs that do not require grad. */
    readonly inputs: readonly (Tensor | null)[],
    private backwardFn: BackwardFn | null,
    saved: readonly Tensor[],
    /** Shape and dtype of the output. */
    readonly shape: readonly number[],
    readonly dtype: Tensor['dtype'],
  ) {
    this.saved = saved.map((t) => ({ tensor: t, version: t.storage.version }))
    this.stack = anomaly.enabled ? new Error().stack?.split('\n').slice(3).join('\n') : undefined
  }

  get released(): boolean {
    return this.backwardFn === null
  }

  /** Runs the backward closure after checking that no saved tensor was modified in place. */
  apply(grad: Tensor): readonly (Tensor | null | undefined)[] {
    if (this.backwardFn === null) {
      throw new AutogradError(`backward: trying to backward through the graph a second time (op "${this.op}"); its saved tensors were freed after the first backward. Pass {retainGraph: true} to the first backward to keep them.`)
    }
    for (const s of this.saved) {
      if (s.tensor.storage.version !== s.version) {
        throw new AutogradError(`backward: a tensor saved by "${this.op}" (shape [${s.tensor.shape.join(',')}]) was modified by an in-place operation after it was saved (version ${s.tensor.storage.version}, expected ${s.version})`)
      }
    }
    return this.backwardFn(grad)
  }

  /** Drops the closure and everything it captured (saved activations). */
  release(): void {
    this.backwardFn = null
    this.saved = []
  }
}

/** True when an op on these inputs must record a node. */
export function needsGrad(...inputs: (Tensor | number | boolean | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false
  for (const t of inputs) if (typeof t === 'object' && t !== null && t.requiresGrad) return true
  return false
}

/**
 * Attaches a node to `out`. `backward` maps the gradient of `out` to the inputs'
 * gradients (same order as `inputs`), written with Tensor ops so it is itself
 * differentiable; it may return gradients of the broadcast shape, the engine sums
 * them back to each input's shape. `saved` lists tensors the closure reads, so
 * in-place changes to them are detected. The closure must not keep its gradient
 * argument, its results or tensors it allocated after returning: the engine reuses
 * their buffers once it is done with them (set node.opaque to forbid that).
 */
export function record(op: string, out: Tensor, inputs: readonly (Tensor | number | boolean | null | undefined)[], backward: BackwardFn, saved: readonly Tensor[] = []): Tensor {
  const ins = inputs.map((t) => (typeof t === 'object' && t !== null && t.requiresGrad ? t : null))
  out.gradFn = new Node(op, ins, backward, saved, out.shape, out.dtype)
  out.requiresGrad = true
  if (activeScope !== null) noteNode(activeScope, out.gradFn, out, saved)
  if (traceForward.sink) traceForward.sink(out.gradFn, out, inputs)
  return out
}
