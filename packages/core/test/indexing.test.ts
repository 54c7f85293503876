// ops/indexing.ts: gather / scatterAdd / indexSelect / indexAdd / embedding with
// PyTorch's semantics (torch.gather, Tensor.scatter_add, torch.index_select,
// Tensor.index_add, F.embedding): values on small cases worked out by hand, repeated
// indices summing in the backward, int32 inputs, views, and the errors.
import { describe, expect, it } from 'vitest'
import { DTypeError, IndexError, ShapeError, ValueError, embedding, gradcheck, gradgradcheck, ones, randn, tensor, zeros, type Tensor } from '../src/index.js'
import { gather, indexAdd, scatterAdd } from '../src/ops/indexing.js'
import { assertClose } from '../src/testing/index.js'

const f64 = (v: unknown, requiresGrad = false) => tensor(v as number[], { dtype: 'float64', requiresGrad })
const i32 = (v: unknown) => tensor(v as number[], { dtype: 'int32' })
const exact = { rtol: 0, atol: 0 }

describe('gather', () => {
  const x = f64([[1, 2, 3], [4, 5, 6]])

  it('picks along dim 1 and dim 0 (and a negative dim), with an index smaller than the input', () => {
    assertClose(x.gather(1, i32([[2, 0], [1, 1]])), [3, 1, 5, 5], exact)
    assertClose(x.gather(-1, i32([[2], [0]])), [3, 4], exact)
    assertClose(x.gather(0, i32([[1, 0, 1]])), [4, 2, 6], exact)
    expect(x.gather(0, i32([[1, 0]])).shape).toEqual([1, 2])
  })

  it('works on int32 inputs and strided views, with no node for ints', () => {
    const xi = i32([[1, 2], [3, 4]])
    const out = xi.t().gather(1, i32([[1], [0]])) // xi^T = [[1, 3], [2, 4]]
    expect(out.dtype).toBe('int32')
    expect(out.toArray()).toEqual([[3], [2]])
    expect(out.gradFn).toBeNull()
  })

  it('backward scatters the gradient back, summing repeated picks', () => {
    const w = f64([[1, 2, 3], [4, 5, 6]], true)
    w.gather(1, i32([[0, 0, 2], [1, 1, 1]])).backward(f64([[1, 10, 100], [1, 2, 3]]))
    assertClose(w.grad!, [11, 0, 100, 0, 6, 0], exact)
    expect(gradcheck((t: Tensor) => t.gather(0, i32([[1, 0, 1], [1, 1, 0]])), [randn([2, 3], { dtype: 'float64', requiresGrad: true })])).toBe(true)
  })

  it('explains bad arguments', () => {
    expect(() => x.gather(1, i32([1, 0]))).toThrow(new ShapeError('gather: index must have as many dims as the input (2), got shape [2]'))
    expect(() => x.gather(1, i32([[0], [0], [0]]))).toThrow(new ShapeError('gather: index shape [3,1] exceeds input shape [2,3] at dim 0'))
    expect(() => x.gather(0, i32([[0, 0, 0, 0]]))).toThrow(/gather: index shape \[1,4\] exceeds input shape \[2,3\] at dim 1/)
    expect(() => x.gather(1, i32([[3], [0]]))).toThrow(new IndexError('gather: index 3 out of range for 3 entries along dim 1'))
    expect(() => x.gather(0, i32([[-1]]))).toThrow(new IndexError('gather: index -1 out of range for 2 entries along dim 0'))
    expect(() => x.gather(0, f64([[0]]))).toThrow(new DTypeError('gather: index must be an int32 tensor, got float64'))
    expect(() => x.gather(2, i32([[0]]))).toThrow(IndexError)
    expect(() => x.gather(0, null as any)).toThrow(new ValueError('gather: index must be a Tensor, got null'))
    expect(() => gather(null as any, 0, i32([0]))).toThrow(new ValueError('gather: input must be a Tensor, got null'))
    expect(() => scatterAdd(3 as any, 0, i32([0]), ones([1]))).toThrow(new ValueError('scatterAdd: input must be a Tensor, got number'))
  })
})

describe('scatterAdd', () => {
  it('adds src at the indexed positions into a copy, summing repeats', () => {
    const x = f64([[1, 1, 1], [1, 1, 1]])
    const out = x.scatterAdd(1, i32([[0, 0], [2, 1]]), f64([[5, 7], [10, 20]]))
    assertClose(out, [13, 1, 1, 1, 21, 11], exact)
    assertClose(x, [1, 1, 1, 1, 1, 1], exact) // x untouched
    assertClose(zeros([3], { dtype: 'float64' }).scatterAdd(0, i32([2, 2, 0]), f64([1, 2, 3])), [3, 0, 3], exact)
  })

  it('takes a strided input and int32 values', () => {
    const x = f64([[1, 2], [3, 4]]).t() // [[1, 3], [2, 4]]
    assertClose(x.scatterAdd(0, i32([[1, 0]]), f64([[10, 100]])), [1, 103, 12, 4], exact)
    const xi = zeros([3], { dtype: 'int32' }).scatterAdd(0, i32([1, 1]), i32([4, 5]))
    expect(xi.toArray()).toEqual([0, 9, 0])
    expect(xi.gradFn).toBeNull()
  })

  it('backward: the gradient itself for the input, gathered at the index for src', () => {
    const x = f64([0, 0, 0], true), src = f64([1, 2], true)
    x.scatterAdd(0, i32([2, 0]), src).backward(f64([10, 20, 30]))
    assertClose(x.grad!, [10, 20, 30], exact)
    assertClose(src.grad!, [30, 10], exact)
    const onlyX = f64([0, 0], true)
    onlyX.scatterAdd(0, i32([1]), f64([5])).sum().backward()
    assertClose(onlyX.grad!, [1, 1], exact)
    const onlySrc = f64([1, 2], true)
    zeros([3], { dtype: 'float64' }).scatterAdd(0, i32([0, 0]), onlySrc).backward(f64([7, 8, 9]))
    assertClose(onlySrc.grad!, [7, 7], exact)
  })

  it('explains bad arguments', () => {
    const x = zeros([2, 3])
    expect(() => x.scatterAdd(1, i32([[0]]), ones([1, 2]))).toThrow(new ShapeError('scatterAdd: index [1,1] and src [1,2] must have the same shape, with as many dims as the input [2,3]'))
    expect(() => x.scatterAdd(1, i32([0]), ones([1]))).toThrow(/scatterAdd: index \[1\] and src \[1\] must have the same shape, with as many dims as the input \[2,3\]/)
    expect(() => x.scatterAdd(1, i32([[0]]), ones([1]))).toThrow(ShapeError)
    expect(() => x.scatterAdd(1, i32([[0], [0], [0]]), ones([3, 1]))).toThrow(new ShapeError('scatterAdd: index shape [3,1] exceeds the input [2,3] at dim 0'))
    expect(() => x.scatterAdd(0, i32([[2]]), ones([1, 1]))).toThrow(new IndexError('scatterAdd: index 2 out of range for 2 entries along dim 0'))
    expect(() => x.scatterAdd(0, ones([1, 1]), ones([1, 1]))).toThrow(/scatterAdd: index must be an int32 tensor, got float32/)
    expect(() => x.scatterAdd(0, i32([[0]]), 1 as any)).toThrow(new ValueError('scatterAdd: src must be a Tensor, got number'))
  })
})

describe('indexSelect and indexAdd', () => {
  const x = f64([[1, 2, 3], [4, 5, 6]])

  it('indexSelect picks whole slices along any dim, repeats allowed, a 0-d index as one slice', () => {
    assertClose(x.indexSelect(0, i32([1, 1, 0])), [4, 5, 6, 4, 5, 6, 1, 2, 3], exact)
    const cols = x.indexSelect(-1, i32([2, 0]))
    expect(cols.shape).toEqual([2, 2])
    assertClose(cols, [3, 1, 6, 4], exact)
    const one = x.indexSelect(1, tensor(1, { dtype: 'int32' }))
    expect(one.shape).toEqual([2, 1])
    assertClose(one, [2, 5], exact)
    assertClose(x.t().indexSelect(0, i32([2])), [3, 6], exact)
    expect(x.indexSelect(0, i32([])).shape).toEqual([0, 3])
  })

  it('indexSelect backward adds the gradient back into the picked slices', () => {
    const w = f64([[1, 2], [3, 4], [5, 6]], true)
    w.indexSelect(0, i32([2, 0, 2])).backward(f64([[1, 2], [10, 20], [100, 200]]))
    assertClose(w.grad!, [10, 20, 0, 0, 101, 202], exact)
    expect(gradgradcheck((t: Tensor) => t.indexSelect(1, i32([1, 1, 0])).square(), [randn([2, 3], { dtype: 'float64', requiresGrad: true })])).toBe(true)
  })

  it('indexAdd adds src\'s slices at the indexed rows of a copy, with gradients for both', () => {
    const base = f64([[1, 1], [1, 1], [1, 1]], true), src = f64([[1, 2], [10, 20]], true)
    const out = indexAdd(base, 0, i32([2, 2]), src)
    assertClose(out, [1, 1, 1, 1, 12, 23], exact)
    out.backward(f64([[1, 2], [3, 4], [5, 6]]))
    assertClose(base.grad!, [1, 2, 3, 4, 5, 6], exact)
    assertClose(src.grad!, [5, 6, 5, 6], exact)
    const cols = indexAdd(zeros([2, 3], { dtype: 'float64' }), 1, i32([0]), f64([[7], [8]]))
    assertClose(cols, [7, 0, 0, 8, 0, 0], exact)
    expect(indexAdd(zeros([2], { dtype: 'int32' }), 0, i32([1]), i32([3])).gradFn).toBeNull()
  })

  it('explain bad arguments', () => {
    expect(() => x.indexSelect(0, i32([[0]]))).toThrow(new ShapeError('indexSelect: index must be 1-D, got shape [1,1]'))
    expect(() => x.indexSelect(1, i32([3]))).toThrow(new IndexError('indexSelect: index 3 out of range for 3 entries along dim 1'))
    expect(() => x.indexSelect(0, f64([0]))).toThrow(/indexSelect: index must be an int32 tensor, got float64/)
    expect(() => indexAdd(x, 0, i32([0]), ones([1, 2], { dtype: 'float64' }))).toThrow(new ShapeError('indexAdd: src must have shape [1,3], got [1,2]'))
    expect(() => indexAdd(x, 0, i32([0]), ones([3], { dtype: 'float64' }))).toThrow(/indexAdd: src must have shape \[1,3\], got \[3\]/)
    expect(() => indexAdd(x, 0, i32([5]), ones([1, 3], { dtype: 'float64' }))).toThrow(new IndexError('indexAdd: index 5 out of range for 2 entries along dim 0'))
  })
})

describe('indexing details', () => {
  it('the index may be longer than the input along the indexed dim (only the other dims are bounded), as in PyTorch', () => {
    const x = f64([[1, 2], [3, 4]])
    assertClose(x.gather(1, i32([[0, 1, 1, 0], [1, 1, 1, 1]])), [1, 2, 2, 1, 4, 4, 4, 4], exact)
    assertClose(zeros([2], { dtype: 'float64' }).scatterAdd(0, i32([0, 1, 1, 1, 0]), f64([1, 2, 3, 4, 5])), [6, 9], exact)
  })

  it('a float input that needs no gradient gets no node; one that does gets a node named after the op', () => {
    const x = f64([[1, 2], [3, 4]]), idx = i32([[0], [1]]), row = i32([1])
    for (const out of [x.gather(1, idx), x.scatterAdd(1, idx, f64([[1], [1]])), x.indexSelect(0, row), indexAdd(x, 0, row, f64([[1, 1]])), embedding(x, row)]) {
      expect(out.requiresGrad).toBe(false)
      expect(out.gradFn).toBeNull()
    }
    const w = f64([[1, 2], [3, 4]], true)
    expect(w.gather(1, idx).gradFn!.op).toBe('gather')
    expect(w.scatterAdd(1, idx, f64([[1], [1]])).gradFn!.op).toBe('scatterAdd')
    expect(w.indexSelect(0, row).gradFn!.op).toBe('indexSelect')
    expect(indexAdd(w, 0, row, f64([[1, 1]])).gradFn!.op).toBe('indexAdd')
    expect(embedding(w, row).gradFn!.op).toBe('reshape')
    expect(embedding(w, row).gradFn!.inputs[0]!.gradFn!.op).toBe('embedding')
  })

  it('each op names itself in its argument errors', () => {
    const x = zeros([2, 3]), idx = i32([[0]])
    expect(() => x.gather(2, idx)).toThrow(/^gather: dim 2 out of range/)
    expect(() => x.scatterAdd(2, idx, ones([1, 1]))).toThrow(/^scatterAdd: dim 2 out of range/)
    expect(() => x.scatterAdd(0, null as any, ones([1, 1]))).toThrow(new ValueError('scatterAdd: index must be a Tensor, got null'))
    expect(() => x.indexSelect(0, null as any)).toThrow(new ValueError('indexSelect: index must be a Tensor, got null'))
    expect(() => x.indexSelect(-3, i32([0]))).toThrow(/^indexSelect: dim -3 out of range/)
    expect(() => indexAdd(null as any, 0, i32([0]), ones([1, 3]))).toThrow(new ValueError('indexAdd: input must be a Tensor, got null'))
    expect(() => indexAdd(x, 2, i32([0]), ones([1, 3]))).toThrow(/^indexAdd: dim 2 out of range/)
    expect(() => indexAdd(x, 0, f64([0]), ones([1, 3]))).toThrow(new DTypeError('indexAdd: index must be an int32 tensor, got float64'))
    // a src with fewer dims than the input, even one matching a prefix of the expected shape
    expect(() => indexAdd(x, 0, i32([0]), ones([1]))).toThrow(new ShapeError('indexAdd: src must have shape [1,3], got [1]'))
  })
})

describe('embedding', () => {
  it('looks up a row per id: shape [...index, dim], gradients summed per row', () => {
    const w = f64([[0, 1], [2, 3], [4, 5]], true)
    const out = embedding(w, i32([[2, 0], [2, 2]]))
    expect(out.shape).toEqual([2, 2, 2])
    assertClose(out, [4, 5, 0, 1, 4, 5, 4, 5], exact)
    out.sum().backward()
    assertClose(w.grad!, [1, 1, 0, 0, 3, 3], exact)
    expect(embedding(w, tensor(1, { dtype: 'int32' })).shape).toEqual([2])
  })

  it('explains bad arguments, naming rows', () => {
    expect(() => embedding(zeros([3]), i32([0]))).toThrow(new ShapeError('embedding: weight must be 2-D [num, dim], got [3]'))
    expect(() => embedding(zeros([3, 2]), i32([3]))).toThrow(new IndexError('embedding: index 3 out of range for 3 rows'))
    expect(() => embedding(null as any, i32([0]))).toThrow(new ValueError('embedding: weight must be a Tensor, got null'))
    expect(() => embedding(zeros([3, 2]), [0] as any)).toThrow(new ValueError('embedding: index must be a Tensor, got object'))
  })
})
