import { describe, expect, it } from 'vitest'
import { arange, eye, full, linspace, ones, rand, randint, randn, tensor, zeros, zerosLike, onesLike, randnLike, Tensor, ShapeError, ValueError, AdjointError, DTypeError } from '../src/index.js'

describe('creation', () => {
  it('builds from nested arrays, numbers, booleans and TypedArrays', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]])
    expect(a.shape).toEqual([2, 3])
    expect(a.dtype).toBe('float32')
    expect(a.toArray()).toEqual([[1, 2, 3], [4, 5, 6]])
    expect(tensor(3.5).shape).toEqual([])
    expect(tensor(3.5).item()).toBe(3.5)
    expect(tensor([true, false]).dtype).toBe('bool')
    expect(tensor([true, false]).toArray()).toEqual([true, false])
    const t = tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] })
    expect(t.dtype).toBe('float64')
    expect(t.toArray()).toEqual([[1, 2], [3, 4]])
    expect(tensor([1, 2], { dtype: 'int32' }).data).toBeInstanceOf(Int32Array)
  })

  it('rejects ragged arrays and wrong shapes with clear errors', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError)
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged/)
    expect(() => tensor(new Float32Array(5), { shape: [2, 2] })).toThrow(/needs 4 elements, the array has 5/)
    expect(() => zeros([2, -1])).toThrow(ValueError)
    expect(() => tensor([1], { dtype: 'float16' as never })).toThrow(DTypeError)
  })

  it('makes constants, ranges and identity matrices', () => {
    expect(zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]])
    expect(ones([3]).toArray()).toEqual([1, 1, 1])
    expect(full([2], 7, { dtype: 'int32' }).toArray()).toEqual([7, 7])
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4])
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75])
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]])
    const x = tensor([[1, 2]], { dtype: 'float64' })
    expect(zerosLike(x).dtype).toBe('float64')
    expect(onesLike(x).toArray()).toEqual([[1, 1]])
    expect(randnLike(x).shape).toEqual([1, 2])
  })

  it('draws random numbers in range', () => {
    const u = rand([1000]).toList()
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...u)).toBeLessThan(1)
    const r = randint(3, 7, [1000])
    expect(r.dtype).toBe('int32')
    expect(new Set(r.toList())).toEqual(new Set([3, 4, 5, 6]))
    const n = randn([20000], { dtype: 'float64' })
    expect(Math.abs(n.mean().item())).toBeLessThan(0.03)
    expect(Math.abs(n.std().item() - 1)).toBeLessThan(0.03)
  })
})

describe('views share storage', () => {
  const base = () => arange(24).reshape([2, 3, 4])

  it('transpose, permute, slice, expand, unsqueeze, squeeze and contiguous reshape copy nothing', () => {
    const x = base()
    const views = [x.transpose(0, 2), x.permute([1, 2, 0]), x.slice(2, 1, 3), x.narrow(1, 1, 2), x.unsqueeze(1), x.unsqueeze(1).squeeze(1), x.reshape([6, 4]), x.view([4, 6]), x.flatten(), x.slice(0, 0, 1).expand([5, 3, 4]), x.t()]
    for (const v of views) expect(v.storage).toBe(x.storage)
  })

  it('writing through a view is seen by the base', () => {
    const x = zeros([2, 3])
    x.t().slice(0, 1, 2).fill_(5)
    expect(x.toArray()).toEqual([[0, 5, 0], [0, 5, 0]])
  })

  it('contiguous() copies only when needed', () => {
    const x = base()
    expect(x.contiguous()).toBe(x)
    const t = x.transpose(1, 2)
    expect(t.isContiguous()).toBe(false)
    const c = t.contiguous()
    expect(c.storage).not.toBe(x.storage)
    expect(c.toArray()).toEqual(t.toArray())
    expect(c.isContiguous()).toBe(true)
  })

  it('reshape of a non-viewable layout copies, view refuses', () => {
    const t = base().transpose(1, 2)
    expect(t.reshape([2, 12]).storage).not.toBe(t.storage)
    expect(() => t.view([2, 12])).toThrow(/not compatible with the input's layout/)
    // a split of a transposed dim can still be a view
    expect(t.view([2, 2, 2, 3]).storage).toBe(t.storage)
    expect(t.view([2, 2, 2, 3]).toArray()).toEqual(t.contiguous().view([2, 2, 2, 3]).toArray())
  })

  it('slice with negative bounds and steps', () => {
    const x = arange(10)
    expect(x.slice(0, -3).toArray()).toEqual([7, 8, 9])
    expect(x.slice(0, 1, 8, 3).toArray()).toEqual([1, 4, 7])
    expect(x.slice(0, 5, 2).toArray()).toEqual([])
    expect(x.split(4).map((p) => p.toArray())).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    expect(x.chunk(3).map((p) => p.numel())).toEqual([4, 4, 2])
  })
})

describe('access', () => {
  it('item, toArray, data', () => {
    expect(() => ones([2]).item()).toThrow(/only a one-element tensor/)
    const x = arange(6).reshape([2, 3])
    expect(x.data).toBeInstanceOf(Float32Array)
    expect(() => x.t().data).toThrow(/not contiguous/)
    expect(x.t().toArray()).toEqual([[0, 3], [1, 4], [2, 5]])
    expect(x.slice(0, 1).data).toEqual(new Float32Array([3, 4, 5]))
    expect(x.size()).toEqual([2, 3])
    expect(x.size(-1)).toBe(3)
  })

  it('prints like PyTorch, with shape and dtype, eliding large tensors', () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float32)')
    expect(tensor([0.5, 1.25]).toString()).toBe('tensor([0.5000, 1.2500], shape=[2], dtype=float32)')
    expect(tensor([1, 2], { dtype: 'int32' }).toString()).toBe('tensor([1, 2], shape=[2], dtype=int32)')
    expect(tensor([1e-6, 1]).toString()).toContain('1.0000e-6')
    expect(tensor([1], { requiresGrad: true }).toString()).toContain('requiresGrad=true')
    expect(tensor([1], { requiresGrad: true }).mul(2).toString()).toContain('gradFn=<mul>')
    const big = arange(2000).toString()
    expect(big).toContain('...')
    expect(big.length).toBeLessThan(200)
    expect(tensor([NaN, Infinity]).toString()).toContain('nan')
  })

  it('every error is an AdjointError', () => {
    expect(new ShapeError('x')).toBeInstanceOf(AdjointError)
    expect(new ShapeError('x').name).toBe('ShapeError')
    expect(Tensor.empty([1], 'float32')).toBeInstanceOf(Tensor)
  })
})

describe('Tensor.fromArray', () => {
  it('wraps the array without a copy, with the dtype of its array type by default', () => {
    const data = new Float64Array([1, 2, 3, 4, 5, 6])
    const t = Tensor.fromArray(data, [2, 3])
    expect(t.dtype).toBe('float64')
    expect(t.shape).toEqual([2, 3])
    data[5] = 60
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 60]])
    expect(Tensor.fromArray(new Int32Array(2), [2]).dtype).toBe('int32')
    expect(Tensor.fromArray(new Uint8Array(2), [2]).dtype).toBe('bool')
    expect(Tensor.fromArray(new Float32Array(1), []).dtype).toBe('float32')
  })
  it('refuses an array of the wrong type or length, naming both', () => {
    expect(() => Tensor.fromArray(new Float64Array(4), [4], 'float32')).toThrow(DTypeError)
    expect(() => Tensor.fromArray(new Float64Array(4), [4], 'float32')).toThrow(/float32 tensor needs a Float32Array, got a Float64Array/)
    expect(() => Tensor.fromArray(new Float32Array(5), [2, 3])).toThrow(ShapeError)
    expect(() => Tensor.fromArray(new Float32Array(5), [2, 3])).toThrow(/\[2, ?3\] has 6 elements, but the array has 5/)
  })
})
