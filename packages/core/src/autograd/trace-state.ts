// Where the forward (record) and backward (engine) passes report each step when a trace is being recorded.
import type { Tensor } from '../tensor.js'
import type { Node } from './node.js'

export const traceBackward: { sink: ((node: Node, grad: Tensor, results: readonly (Tensor | null | undefined)[]) => void) | null } = { sink: null }

/** Called by record() for every node created: the output and the op's inputs as given (numbers included). */
export const traceForward: { sink: ((node: Node, out: Tensor, inputs: readonly (Tensor | number | boolean | null | undefined)[]) => void) | null } = { sink: null }
