// to(dtype) and detach(): conversions, the gradient cast back to the input's dtype,
// and errors naming the op (tests prompted by mutation testing, docs/testing.md).
import { describe, expect, it } from 'vitest'
import { DTypeError, ValueError, detach, tensor, to } from '../src/index.js'

describe('to', () => {
  it('converts like PyTorch: floats truncate toward zero into int32, nonzero is true, bools become 0/1', () => {
    const x = tensor([0.5, 0, -2.7, 2.7])
    expect(x.to('int32').dtype).toBe('int32')
    expect(x.to('int32').toArray()).toEqual([0, 0, -2, 2])
    expect(x.to('bool').toArray()).toEqual([true, false, true, true])
    expect(tensor([2, 0, -1], { dtype: 'int32' }).to('bool').toArray()).toEqual([true, false, true])
    expect(tensor([true, false]).to('float64').toArray()).toEqual([1, 0])
    const y = tensor([1.25, -3], { dtype: 'float64' }).to('float32')
    expect([y.dtype, ...y.toArray() as number[]]).toEqual(['float32', 1.25, -3])
  })

  it('copies a strided view into a contiguous tensor of the new dtype', () => {
    const v = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' }).transpose(0, 1)
    const c = v.to('int32')
    expect(c.toArray()).toEqual([[1, 4], [2, 5], [3, 6]])
    expect(c.isContiguous()).toBe(true)
  })

  it('returns the tensor itself when it already has the dtype', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    expect(x.to('float32')).toBe(x)
    expect(to(x, 'float32')).toBe(x)
  })

  it('records a float-to-float conversion: the gradient comes back in the input dtype', () => {
    const x = tensor([1, -2, 3], { requiresGrad: true })
    const y = x.to('float64')
    expect(y.gradFn?.op).toBe('to')
    y.mul(tensor([2, 3, 4], { dtype: 'float64' })).sum().backward()
    expect(x.grad!.dtype).toBe('float32')
    expect(x.grad!.toArray()).toEqual([2, 3, 4])
  })

  it('records nothing when the result is not a float (no gradient flows through int32 or bool)', () => {
    const x = tensor([1.5, -2], { requiresGrad: true })
    expect(x.to('int32').requiresGrad).toBe(false)
    expect(x.to('bool').requiresGrad).toBe(false)
    expect(tensor([1, 2], { dtype: 'int32' }).to('float32').requiresGrad).toBe(false)
  })

  it('refuses an unknown dtype or a non-tensor, naming the op', () => {
    expect(() => tensor([1]).to('float16' as never)).toThrow(DTypeError)
    expect(() => tensor([1]).to('float16' as never)).toThrow(/^to: unknown dtype float16/)
    expect(() => to(3 as never, 'float32')).toThrow(ValueError)
    expect(() => to(3 as never, 'float32')).toThrow(/^to: input must be a Tensor, got number/)
  })
})

describe('detach', () => {
  it('shares the storage and view but leaves the graph', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true })
    const v = x.mul(2).transpose(0, 1)
    const d = detach(v)
    expect(d.requiresGrad).toBe(false)
    expect(d.storage).toBe(v.storage)
    expect([d.shape, d.strides, d.offset, d.dtype]).toEqual([v.shape, v.strides, v.offset, v.dtype])
    expect(d.toArray()).toEqual([[2, 6], [4, 8]])
  })

  it('refuses a non-tensor, naming the op', () => {
    expect(() => detach({} as never)).toThrow(/^detach: input must be a Tensor, got object/)
  })
})
