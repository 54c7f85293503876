// linear with empty operands: no rows, or no input features (the output is then the
// bias in every row, as in PyTorch); values and gradients.
import { describe, expect, it } from 'vitest'
import { linear, linearGelu, ones, tensor, zeros } from '../src/index.js'

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
