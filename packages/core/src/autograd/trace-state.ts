// Where the forward (record) and backward (engine) passes report each step when a trace is being recorded.
import type { Tensor } from '../tensor.js'
import type { Node } from './node.js'

/** Called by the engine after each node's backward; `pass` is the same object for every step of one backward pass. */
export const traceBackward: { sink: ((node: Node, grad: Tensor, results: readonly (Tensor | null | undefined)[], pass: object) => void) | null } = { sink: null }

/** Called by record() for every node created: the output and the op's inputs as given (numbers included). */
export const traceForward: { sink: ((node: Node, out: Tensor, inputs: readonly (Tensor | number | boolean | null | undefined)[]) => void) | null } = { sink: null }
