// matmul and linear: empty operands (no rows, or no input features: the output is then
// the bias in every row, as in PyTorch), dtype promotion, errors naming the op and the
// shapes; the cases mutation testing found unchecked by the OpInfo sweeps.
import { describe, expect, it } from 'vitest'
import { DTypeError, ShapeError, linear, linearGelu, matmul, ones, tensor, zeros } from '../src/index.js'

describe('linear with empty operands', () => {
  it('no rows: an empty output, zero weight and bias gradients', () => {
    const x = zeros([0, 3], { dtype: 'float64' }).requiresGrad_(), w = ones([2, 3], { dtype: 'float64' }).requiresGrad_(), b = ones([2], { dtype: 'float64' }).requiresGrad_()
    const y = linear(x, w, b)
    expect(y.shape).toEqual([0, 2])
    y.sum().backward()
    expect([x.grad!.shape, w.grad!.toArray(), b.grad!.toArray()]).toEqual([[0, 3], [[0, 0, 0], [0, 0, 0]], [0, 0]])
    expect(linearGelu(zeros([0, 3]), ones([2, 3]), ones([2])).shape).toEqual([0, 2])
  })

  it('no input features: the bias in every row; its gradient sums the rows', () => {
    const x = zeros([3, 0], { dtype: 'float64' }).requiresGrad_(), w = zeros([2, 0], { dtype: 'float64' }).requiresGrad_(), b = tensor([1, -2], { dtype: 'float64', requiresGrad: true })
    const y = linear(x, w, b)
    expect(y.toArray()).toEqual([[1, -2], [1, -2], [1, -2]])
    y.mul(tensor([1, 2], { dtype: 'float64' })).sum().backward()
    expect([x.grad!.shape, w.grad!.shape, b.grad!.toArray()]).toEqual([[3, 0], [2, 0], [3, 6]])
    expect(linear(zeros([2, 0]), zeros([2, 0])).toArray()).toEqual([[0, 0], [0, 0]])
  })
})

describe('linear and matmul checks', () => {
  const x = ones([2, 3]), w = ones([4, 3])

  it("promote mixed float dtypes, gradients in each input's dtype", () => {
    const xf = tensor([[1, 2, 3]], { requiresGrad: true }), wd = tensor([[1, 0, -1]], { dtype: 'float64', requiresGrad: true })
    const y = linear(xf, wd, tensor([0.5], { dtype: 'float64' }))
    expect([y.dtype, y.toArray()]).toEqual(['float64', [[-1.5]]])
    y.sum().backward()
    expect([xf.grad!.dtype, xf.grad!.toArray(), wd.grad!.dtype, wd.grad!.toArray()]).toEqual(['float32', [[1, 0, -1]], 'float64', [[1, 2, 3]]])
    expect(matmul(tensor([1, 2]), tensor([3, 4], { dtype: 'float64' })).dtype).toBe('float64')
  })

  it('record a node only when an input needs a gradient, named after the op', () => {
    expect(linear(x, w).requiresGrad).toBe(false)
    expect(matmul(x, w.t()).requiresGrad).toBe(false)
    const wg = ones([4, 3], { requiresGrad: true })
    expect([linear(x, wg).gradFn?.op, matmul(x, wg.t()).gradFn?.op]).toEqual(['linear', 'matmul'])
  })

  it('errors name the op, what it got and what it expected', () => {
    expect(() => linear(x, w, ones([4, 1]))).toThrow(/^linear: bias must have shape \[4\], got \[4,1\]/)
    expect(() => linear(x, ones([3]))).toThrow(ShapeError)
    expect(() => linear(x, ones([3]))).toThrow(/^linear: weight must be 2-D \[out, in\], got \[3\]/)
    expect(() => linear(ones([2, 5]), w)).toThrow(/^linear: input of shape \[2,5\] does not match weight \[4,3\] \(5 != 3\)/)
    expect(() => linear(tensor(1), w)).toThrow(/^linear: input of shape \[\] does not match weight \[4,3\]/)
    expect(() => linear(x, w, ones([3]))).toThrow(/^linear: bias must have shape \[4\], got \[3\]/)
    expect(() => linear(x, w, ones([1, 4]))).toThrow(/^linear: bias must have shape \[4\], got \[1,4\]/)
    expect(() => linear(x, w, 2 as never)).toThrow(/^linear: bias must be a Tensor, got number/)
    expect(() => linear(x, 2 as never)).toThrow(/^linear: weight must be a Tensor, got number/)
    expect(() => linear(2 as never, w)).toThrow(/^linear: input must be a Tensor, got number/)
    const i = ones([2, 3], { dtype: 'int32' })
    expect(() => linear(i, ones([4, 3], { dtype: 'int32' }))).toThrow(DTypeError)
    expect(() => linear(i, ones([4, 3], { dtype: 'int32' }))).toThrow(/^linear: expected floating-point tensors, got int32 and int32/)
    expect(() => matmul(ones([3]), ones([4]))).toThrow(/^matmul: shapes \[3\] and \[4\] cannot be multiplied \(3 != 4\)/)
    expect(() => matmul(ones([2, 3]), tensor(1))).toThrow(/^matmul: both arguments need at least 1 dim, got shapes \[2,3\] and \[\]/)
    expect(() => matmul(2 as never, x)).toThrow(/^matmul: input must be a Tensor, got number/)
  })
})
