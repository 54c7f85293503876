// Activations, softmax and dropout (dropout is core's op).
import type { Tensor } from '@adjoint/core'

export { dropout, type DropoutOptions } from '@adjoint/core'

export const relu = (x: Tensor) => x.relu()
export const gelu = (x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}) => x.gelu(opts)
export const silu = (x: Tensor) => x.silu()
export const tanh = (x: Tensor) => x.tanh()
export const sigmoid = (x: Tensor) => x.sigmoid()
export const softmax = (x: Tensor, dim: number) => x.softmax(dim)
export const logSoftmax = (x: Tensor, dim: number) => x.logSoftmax(dim)
