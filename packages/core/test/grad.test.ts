// autograd.grad(outputs, inputs, gradOutputs, {createGraph, retainGraph, allowUnused}):
// torch.autograd.grad's semantics; it returns gradients and never touches .grad of leaves.
import { describe, expect, it } from 'vitest'
import { AutogradError, ShapeError, type Tensor, autograd, autogradGrad, tensor } from '../src/index.js'

const leaf = (data: number[] | number) => tensor(data, { dtype: 'float64', requiresGrad: true })
const f64 = (data: number[] | number) => tensor(data, { dtype: 'float64' })

describe('autograd.grad', () => {
  it('is the same function as autogradGrad', () => {
    expect(autograd.grad).toBe(autogradGrad)
  })

  it('returns the gradients and leaves .grad alone', () => {
    const x = leaf([1, 2, 3])
    x.grad = f64([7, 7, 7])
    const [g] = autograd.grad(x.square().sum(), x)
    expect(g!.toList()).toEqual([2, 4, 6])
    expect(x.grad.toList()).toEqual([7, 7, 7])
    const y = leaf(2)
    autograd.grad(y.mul(3), [y])
    expect(y.grad).toBeNull()
  })

  it('takes one or several outputs and inputs, with gradOutputs weighting the outputs', () => {
    const a = leaf([1, 2]), b = leaf([3, 4])
    const [ga, gb] = autograd.grad([a.mul(b), a.sum()], [a, b], [f64([1, 10]), f64(100)])
    expect(ga!.toList()).toEqual([3 + 100, 40 + 100])
    expect(gb!.toList()).toEqual([1, 20])
    // a null gradOutput stands for ones (scalar outputs only)
    const [g2] = autograd.grad([a.sum(), b.mul(a).sum()], [a], [null, null])
    expect(g2!.toList()).toEqual([4, 5])
  })

  it('sums contributions of an input used several times, and broadcast gradients back to its shape', () => {
    const x = leaf([1, 2])
    const [g] = autograd.grad(x.mul(x).add(x).sum(), x)
    expect(g!.toList()).toEqual([3, 5])
    const row = leaf([1, 2, 3])
    const m = tensor([[1, 1, 1], [2, 2, 2]], { dtype: 'float64' })
    const [gr] = autograd.grad(m.mul(row).sum(), row)
    expect(gr!.shape).toEqual([3])
    expect(gr!.toList()).toEqual([3, 3, 3])
  })

  it('differentiates with respect to non-leaf tensors, and an output with respect to itself', () => {
    const x = leaf([1, 2])
    const h = x.mul(3)
    const y = h.square().sum()
    const [gh, gx] = autograd.grad(y, [h, x])
    expect(gh!.toList()).toEqual([6, 12])
    expect(gx!.toList()).toEqual([18, 36])
    const z = x.exp()
    const [gz] = autograd.grad(z, z, f64([2, 5]))
    expect(gz!.toList()).toEqual([2, 5])
    const [gxx] = autograd.grad(x, x, f64([1, 1]))
    expect(gxx!.toList()).toEqual([1, 1])
  })

  it('allowUnused gives null for inputs the outputs do not depend on; otherwise it throws', () => {
    const a = leaf([1]), b = leaf([2])
    expect(() => autograd.grad(a.mul(2).sum(), [a, b])).toThrow(/input 1 .*not used.*allowUnused/)
    const [ga, gb] = autograd.grad(a.mul(2).sum(), [a, b], null, { allowUnused: true })
    expect(ga!.toList()).toEqual([2])
    expect(gb).toBeNull()
  })

  it('frees the graph unless retainGraph (or createGraph) is set', () => {
    const x = leaf([1, 2])
    const y = x.exp().sum()
    autograd.grad(y, x)
    expect(() => autograd.grad(y, x)).toThrow(/second time/)
    const y2 = x.exp().sum()
    const [g1] = autograd.grad(y2, x, null, { retainGraph: true })
    const [g2] = autograd.grad(y2, x)
    expect(g1!.toList()).toEqual(g2!.toList())
  })

  it('createGraph: the gradient is differentiable again (second and third derivatives)', () => {
    const x = leaf(1.5)
    const y = x.pow(4) // 4x^3, 12x^2, 24x
    const [d1] = autograd.grad(y, x, null, { createGraph: true })
    expect(d1!.requiresGrad).toBe(true)
    expect(d1!.item()).toBeCloseTo(4 * 1.5 ** 3, 12)
    const [d2] = autograd.grad(d1!, x, null, { createGraph: true })
    expect(d2!.item()).toBeCloseTo(12 * 1.5 ** 2, 12)
    const [d3] = autograd.grad(d2!, x)
    expect(d3!.item()).toBeCloseTo(24 * 1.5, 12)
    expect(d3!.requiresGrad).toBe(false)
    // without createGraph the gradient is a plain tensor
    const [plain] = autograd.grad(x.pow(4), x)
    expect(plain!.requiresGrad).toBe(false)
  })

  it('mixed partial derivatives: d/dy (d/dx x^2 y^3) = 6 x y^2', () => {
    const x = leaf(2), y = leaf(3)
    const f = x.square().mul(y.pow(3))
    const [dx] = autograd.grad(f, x, null, { createGraph: true })
    const [dxy] = autograd.grad(dx!, y)
    expect(dxy!.item()).toBe(6 * 2 * 9)
  })

  it('gives the gradient of an implicitly-seeded output even when that output is Inf', () => {
    const x = leaf(0)
    const [g] = autograd.grad(x.log(), x, null, { allowUnused: true })
    expect(g!.item()).toBe(Infinity) // 1 / 0, with seed 1 (not Inf * 0 + 1 = NaN)
  })

  it('explains its errors', () => {
    const x = leaf([1, 2])
    const c = f64([1, 2])
    expect(() => autograd.grad(x.mul(2), x)).toThrow(/implicitly created only for scalar outputs; output 0 has shape \[2\]/)
    expect(() => autograd.grad(x.mul(2), x, f64([1, 2, 3]))).toThrow(new ShapeError('grad: gradOutputs[0] has shape [3], output 0 has shape [2]'))
    // a gradOutput that would broadcast is still refused: it must have the output's shape
    expect(() => autograd.grad([x.sum(), x.mul(2)], x, [null, f64([1])])).toThrow(new ShapeError('grad: gradOutputs[1] has shape [1], output 1 has shape [2]'))
    expect(() => autograd.grad(x.sum(), c)).toThrow(/input 0 does not require grad/)
    expect(() => autograd.grad(c.sum(), x)).toThrow(/output 0 does not require grad/)
    expect(() => autograd.grad([x.sum(), x.sum()], x, [null] as (Tensor | null)[])).toThrow(/1 gradOutputs for 2 outputs/)
    expect(() => autograd.grad(c.sum(), x)).toThrow(AutogradError)
  })
})
