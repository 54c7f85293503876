// Where the backward pass reports each step when a trace is being recorded.
import type { Tensor } from '../tensor.js'
import type { Node } from './node.js'

export const traceBackward: { sink: ((node: Node, grad: Tensor, results: readonly (Tensor | null | undefined)[]) => void) | null } = { sink: null }
