// Argument checks shared by the functional ops.
import { DTypeError, Tensor, ValueError, isFloat } from '@adjoint/core'

export const fmt = (s: readonly number[]) => `[${s.join(',')}]`

export function assertTensor(op: string, x: unknown, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`)
}

export function assertFloat(op: string, x: Tensor, what = 'input'): void {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: ${what} must be float32 or float64, got ${x.dtype}`)
}

export type Reduction = 'mean' | 'sum' | 'none'

export function checkReduction(op: string, r: unknown): Reduction {
  if (r === 'mean' || r === 'sum' || r === 'none') return r
  throw new ValueError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(r)}`)
}

export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? loss : reduction === 'sum' ? loss.sum() : loss.mean()
}

export function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i)
}
