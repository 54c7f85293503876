// Core's smaller public functions that the op tests reach only indirectly:
// dtype rules, argument checks, grad mode, the *Like creators, le/ne, erf.
import { describe, expect, it } from 'vitest'
import {
  DTypeError, Generator, ValueError, assertFloat, assertTensor, binaryOp, checkReduction, coalesceDims, erfScalar, fmtShape, fullLike,
  isFloat, isGradEnabled, le, ne, needsGrad, noGrad, promoteTypes, randLike, reduceLoss, setGradEnabled, tensor,
} from '../src/index.js'

describe('dtypes', () => {
  it('promoteTypes: bool < int32 < float32 < float64, symmetric', () => {
    const order = ['bool', 'int32', 'float32', 'float64'] as const
    for (const [i, a] of order.entries()) for (const [j, b] of order.entries()) {
      expect(promoteTypes(a, b)).toBe(order[Math.max(i, j)])
    }
  })

  it('isFloat / assertFloat', () => {
    expect(['float32', 'float64', 'int32', 'bool'].map((d) => isFloat(d as never))).toEqual([true, true, false, false])
    expect(() => assertFloat('myOp', tensor([1], { dtype: 'int32' }), 'weight')).toThrow(new DTypeError('myOp: weight must be float32 or float64, got int32'))
    expect(() => assertFloat('myOp', tensor([1.5]))).not.toThrow()
  })
})

describe('argument checks', () => {
  it('assertTensor names the op, the argument and what it got', () => {
    expect(() => assertTensor('myOp', [1, 2], 'x')).toThrow(new ValueError('myOp: x must be a Tensor, got object'))
    expect(() => assertTensor('myOp', null)).toThrow(/myOp: input must be a Tensor, got null/)
    expect(() => assertTensor('myOp', tensor([1]))).not.toThrow()
  })

  it('fmtShape', () => {
    expect(fmtShape([])).toBe('[]')
    expect(fmtShape([2, 3, 0])).toBe('[2,3,0]')
  })

  it('checkReduction / reduceLoss', () => {
    for (const r of ['mean', 'sum', 'none'] as const) expect(checkReduction('myLoss', r)).toBe(r)
    expect(() => checkReduction('myLoss', 'avg')).toThrow(new ValueError(`myLoss: reduction must be 'mean', 'sum' or 'none', got "avg"`))
    const l = tensor([1, 2, 6], { dtype: 'float64' })
    expect(reduceLoss(l, 'none')).toBe(l)
    expect(reduceLoss(l, 'sum').item()).toBe(9)
    expect(reduceLoss(l, 'mean').item()).toBe(3)
  })

  it('binaryOp is what the named ops call, with scalars on either side', () => {
    expect(binaryOp('sub', 10, tensor([1, 2])).toList()).toEqual([9, 8])
    expect(binaryOp('pow', tensor([2, 3]), 2).toList()).toEqual([4, 9])
    expect(() => binaryOp('add', 1, 2)).toThrow(/add: at least one operand must be a Tensor/)
  })
})

describe('grad mode', () => {
  it('setGradEnabled switches recording; needsGrad follows it and the inputs', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    expect(needsGrad(x, 3, null)).toBe(true)
    expect(needsGrad(tensor([1]), 2)).toBe(false)
    try {
      setGradEnabled(false)
      expect(isGradEnabled()).toBe(false)
      expect(needsGrad(x)).toBe(false)
      expect(x.mul(2).requiresGrad).toBe(false)
    } finally {
      setGradEnabled(true)
    }
    expect(x.mul(2).requiresGrad).toBe(true)
    noGrad(() => expect(needsGrad(x)).toBe(false))
  })
})

describe('creation and comparison', () => {
  it('fullLike / randLike keep shape and dtype unless told otherwise', () => {
    const t = tensor([[1, 2, 3]], { dtype: 'float64' })
    const f = fullLike(t, 7)
    expect([f.shape, f.dtype, f.toList()]).toEqual([[1, 3], 'float64', [7, 7, 7]])
    expect(fullLike(t, 2, { dtype: 'int32' }).dtype).toBe('int32')
    const r = randLike(t, { generator: new Generator(3) })
    expect([r.shape, r.dtype]).toEqual([[1, 3], 'float64'])
    expect(r.contiguousData().every((v) => v >= 0 && v < 1)).toBe(true)
    expect(randLike(t, { generator: new Generator(3) }).toList()).toEqual(r.toList())
    expect(new Set(r.contiguousData()).size).toBe(3)
  })

  it('le / ne broadcast and give bool tensors', () => {
    const a = tensor([[1], [2], [3]]), b = tensor([2, 3])
    expect(le(a, b).dtype).toBe('bool')
    expect(le(a, b).shape).toEqual([3, 2])
    expect(le(a, b).toList()).toEqual([1, 1, 1, 1, 0, 1])
    expect(ne(a, b).toList()).toEqual([1, 1, 0, 1, 1, 0])
    expect(le(a, 2).toList()).toEqual([1, 1, 0])
  })

  it('erfScalar: odd, 0 at 0, known values', () => {
    expect(erfScalar(0)).toBe(0)
    expect(erfScalar(-0.5)).toBe(-erfScalar(0.5))
    expect(erfScalar(0.5)).toBeCloseTo(0.5204998778130465, 14)
    expect(erfScalar(2)).toBeCloseTo(0.9953222650189527, 14)
    expect(erfScalar(Infinity)).toBe(1)
  })
})

describe('coalesceDims', () => {
  it('merges dims contiguous in every operand, drops size-1 dims, keeps the rest', () => {
    // contiguous [2,3,4] in both: one dim of 24
    expect(coalesceDims([2, 3, 4], [[12, 4, 1], [12, 4, 1]])).toEqual({ shape: [24], strides: [[1], [1]] })
    // the second operand transposed in the last two dims: only the first dim cannot merge with them
    expect(coalesceDims([2, 3, 4], [[12, 4, 1], [12, 1, 3]])).toEqual({ shape: [2, 3, 4], strides: [[12, 4, 1], [12, 1, 3]] })
    // a broadcast (stride 0) leading dim stays apart; size-1 dims vanish
    expect(coalesceDims([5, 1, 3, 2], [[0, 9, 2, 1], [6, 6, 2, 1]])).toEqual({ shape: [5, 6], strides: [[0, 1], [6, 1]] })
    expect(coalesceDims([], [[]])).toEqual({ shape: [], strides: [[]] })
  })
})
