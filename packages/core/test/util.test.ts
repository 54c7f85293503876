// ops/util.ts: the argument checks every op (and nn's layers) share, and their messages.
import { describe, expect, it } from 'vitest'
import { DTypeError, ValueError, assertFloat, assertTensor, crossEntropy, dropout, ones, tensor } from '../src/index.js'

describe('assertTensor', () => {
  it('passes a tensor through and names the op, the argument and what it got otherwise', () => {
    expect(() => assertTensor('myOp', ones([2]))).not.toThrow()
    expect(() => assertTensor('myOp', null)).toThrow(new ValueError('myOp: input must be a Tensor, got null'))
    expect(() => assertTensor('myOp', undefined)).toThrow(new ValueError('myOp: input must be a Tensor, got undefined'))
    expect(() => assertTensor('myOp', 3, 'weight')).toThrow(new ValueError('myOp: weight must be a Tensor, got number'))
    expect(() => assertTensor('myOp', [1, 2], 'target')).toThrow(new ValueError('myOp: target must be a Tensor, got object'))
  })

  it('is what the ops call on a non-tensor argument', () => {
    expect(() => (ones([2]) as any).matmul(null)).toThrow(new ValueError('matmul: other must be a Tensor, got null'))
    expect(() => crossEntropy(ones([2, 3]), 1 as any)).toThrow(new ValueError('crossEntropy: target must be a Tensor, got number'))
  })
})

describe('assertFloat', () => {
  it('passes float32 and float64, refuses int32 and bool with a DTypeError naming the op and the dtype', () => {
    expect(() => assertFloat('myOp', ones([1]))).not.toThrow()
    expect(() => assertFloat('myOp', ones([1], { dtype: 'float64' }))).not.toThrow()
    expect(() => assertFloat('myOp', ones([1], { dtype: 'int32' }))).toThrow(new DTypeError('myOp: input must be float32 or float64, got int32'))
    expect(() => assertFloat('myOp', ones([1], { dtype: 'bool' }), 'mask')).toThrow(new DTypeError('myOp: mask must be float32 or float64, got bool'))
  })

  it('is what the ops call on an integer input', () => {
    expect(() => dropout(tensor([1, 2], { dtype: 'int32' }), 0.5)).toThrow(new DTypeError('dropout: input must be float32 or float64, got int32'))
    expect(() => crossEntropy(ones([2, 3], { dtype: 'int32' }), tensor([0, 1], { dtype: 'int32' }))).toThrow(new DTypeError('crossEntropy: input must be float32 or float64, got int32'))
  })
})
