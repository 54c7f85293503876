// Dropout: zeroes elements at random and scales the rest to keep the expectation.
import { noGrad } from '../autograd/grad-mode.js'
import { needsGrad, record } from '../autograd/node.js'
import { ValueError } from '../errors.js'
import { defaultGenerator, type Generator } from '../random.js'
import { Tensor } from '../tensor.js'
import { assertFloat, assertTensor } from './util.js'

export interface DropoutOptions {
  /** Random source for the mask (default: the global generator seeded by manualSeed). */
  generator?: Generator
}

/**
 * Zeroes each element with probability p and scales the rest by 1 / (1 - p),
 * in training; the identity when training is false or p is 0.
 */
export function dropout(x: Tensor, p = 0.5, training = true, opts: DropoutOptions = {}): Tensor {
  assertTensor('dropout', x)
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ValueError(`dropout: probability must be between 0 and 1, got ${p}`)
  if (!training || p === 0) return x
  assertFloat('dropout', x)
  const mask = Tensor.empty(x.layout, x.dtype)
  const m = mask.storage.data
  const g = opts.generator ?? defaultGenerator
  const scale = p === 1 ? 0 : 1 / (1 - p)
  for (let i = 0; i < m.length; i++) m[i] = g.uniform() < p ? 0 : scale
  const out = noGrad(() => x.mul(mask))
  // d dropout = g * mask
  if (needsGrad(x)) record('dropout', out, [x], (g) => [g.mul(mask)], [mask])
  return out
}
