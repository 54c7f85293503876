// Parameter: a leaf tensor that a Module owns and an optimizer updates.
import { DTypeError, Tensor, isFloat } from '@adjoint/core'

/**
 * A Tensor that is a module's learnable weight: found by Module.parameters(),
 * saved by stateDict(). It shares the given tensor's memory and requires grad
 * unless `requiresGrad` is false.
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new DTypeError(`Parameter: expected a Tensor, got ${data === null ? 'null' : typeof data}`)
    if (requiresGrad && !isFloat(data.dtype)) throw new DTypeError(`Parameter: only floating-point tensors can require gradients, got ${data.dtype}`)
    super(data.storage, data.layout, data.dtype)
    this.requiresGrad = requiresGrad
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`
  }
}
