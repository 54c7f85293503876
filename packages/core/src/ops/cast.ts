// dtype conversion; the gradient is cast back to the input's dtype.
import { needsGrad, record } from '../autograd/node.js'
import { checkDType, isFloat, type DType } from '../dtype.js'
import { Tensor } from '../tensor.js'
import { assertTensor, contiguousCopy } from './util.js'

export function to(x: Tensor, dtype: DType): Tensor {
  assertTensor('to', x)
  checkDType('to', dtype)
  if (x.dtype === dtype) return x
  const out = contiguousCopy(x, dtype)
  if (isFloat(dtype) && isFloat(x.dtype) && needsGrad(x)) record('to', out, [x], (g) => [g.to(x.dtype)])
  return out
}

/** A tensor sharing this one's storage but cut off from the graph. */
export function detach(x: Tensor): Tensor {
  assertTensor('detach', x)
  return new Tensor(x.storage, x.layout, x.dtype)
}
