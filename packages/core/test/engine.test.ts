import { describe, expect, it } from 'vitest'
import { AutogradError, ValueError, enableGrad, isGradEnabled, noGrad, ones, randn, tensor, zeros, arange } from '../src/index.js'
import { sumToShape } from '../src/autograd/engine.js'

describe('backward', () => {
  it('accumulates gradients of a tensor used twice (micrograd\'s +=)', () => {
    const x = tensor(3, { requiresGrad: true })
    const y = x.mul(x).add(x) // x^2 + x -> 2x + 1 = 7
    y.backward()
    expect(x.grad!.item()).toBe(7)
  })

  it('sums the gradient of a broadcast input back to its shape', () => {
    const a = ones([2, 3], { requiresGrad: true })
    const b = tensor([1, 2, 3], { requiresGrad: true })
    a.mul(b).sum().backward()
    expect(b.grad!.toArray()).toEqual([2, 2, 2])
    expect(a.grad!.toArray()).toEqual([[1, 2, 3], [1, 2, 3]])
  })

  it('accumulates into .grad across backward calls, and .grad owns its memory', () => {
    const a = tensor([1, 2], { requiresGrad: true })
    const b = tensor([3, 4], { requiresGrad: true })
    a.add(b).sum().backward()
    a.add(b).sum().backward()
    expect(a.grad!.toArray()).toEqual([2, 2])
    a.grad!.mul_(10)
    expect(b.grad!.toArray()).toEqual([2, 2]) // not aliased with a.grad
  })

  it('throws a clear error when backward runs twice through freed buffers', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const y = x.exp().sum()
    y.backward()
    expect(() => y.backward()).toThrow(AutogradError)
    expect(() => y.backward()).toThrow(/second time.*retainGraph/)
  })

  it('options passed where the gradient goes get a typed error naming the right call', () => {
    const y = tensor([1, 2], { requiresGrad: true }).exp().sum()
    expect(() => y.backward({ retainGraph: true } as never)).toThrow(ValueError)
    expect(() => y.backward({ retainGraph: true } as never)).toThrow(/got object; options go second: backward\(undefined, \{retainGraph: true\}\)/)
  })

  it('retainGraph allows a second backward', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const y = x.exp().sum()
    y.backward(undefined, { retainGraph: true })
    y.backward()
    expect(x.grad!.toList()).toEqual([2 * Math.fround(Math.exp(1)), 2 * Math.fround(Math.exp(2))].map(Math.fround))
  })

  it('walks a 100,000-op chain without overflowing the stack', () => {
    const x = tensor(1, { requiresGrad: true, dtype: 'float64' })
    let y = x
    for (let i = 0; i < 100_000; i++) y = y.mul(1)
    y.backward()
    expect(x.grad!.item()).toBe(1)
  })

  it('needs a gradient for non-scalar outputs, and a tensor that requires grad', () => {
    const x = ones([2], { requiresGrad: true })
    expect(() => x.mul(2).backward()).toThrow(/only for scalar outputs/)
    x.mul(2).backward(tensor([1, 3]))
    expect(x.grad!.toArray()).toEqual([2, 6])
    expect(() => ones([1]).backward()).toThrow('backward: tensor does not require grad')
    expect(() => x.mul(2).backward(ones([3]))).toThrow(/does not match/)
  })

  it('detects a saved tensor modified in place and names the op', () => {
    const w = tensor([1, 2], { requiresGrad: true })
    const a = tensor([3, 4])
    const y = w.mul(a).sum()
    a.mul_(2)
    expect(() => y.backward()).toThrow(/saved by "mul".*modified by an in-place operation/)
  })

  it('refuses in-place ops on tensors that require grad, except under noGrad', () => {
    const w = tensor([1, 2], { requiresGrad: true })
    expect(() => w.add_(1)).toThrow(/cannot be modified in place/)
    noGrad(() => w.sub_(tensor([1, 1])))
    expect(w.toArray()).toEqual([0, 1])
    expect(w.version).toBe(1)
  })

  it('noGrad / enableGrad / detach', () => {
    const x = tensor([1], { requiresGrad: true })
    expect(isGradEnabled()).toBe(true)
    const y = noGrad(() => { expect(isGradEnabled()).toBe(false); return x.mul(2) })
    expect(y.requiresGrad).toBe(false)
    const z = noGrad(() => enableGrad(() => x.mul(2)))
    expect(z.requiresGrad).toBe(true)
    expect(x.mul(2).detach().requiresGrad).toBe(false)
    expect(() => tensor([1], { dtype: 'int32' }).requiresGrad_()).toThrow(/only floating-point/)
  })

  it('gives ops on ints and comparisons no gradient', () => {
    const x = tensor([1, -2], { requiresGrad: true })
    expect(x.gt(0).requiresGrad).toBe(false)
    expect(x.argmax().requiresGrad).toBe(false)
  })

  it('higher order: createGraph makes the gradient differentiable', () => {
    const x = tensor(2, { requiresGrad: true, dtype: 'float64' })
    const y = x.pow(3) // y' = 3x^2 = 12, y'' = 6x = 12
    y.backward(undefined, { createGraph: true })
    const g = x.grad!
    expect(g.item()).toBe(12)
    x.grad = null
    g.backward()
    expect(x.grad!.item()).toBe(12)
  })

  it('hooks replace gradients; retainGrad keeps a non-leaf gradient', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const h = x.mul(3)
    h.retainGrad()
    h.registerHook((g) => g.mul(2))
    const remove = x.registerHook((g) => g.add(1))
    h.sum().backward()
    expect(h.grad!.toArray()).toEqual([2, 2])
    expect(x.grad!.toArray()).toEqual([7, 7])
    remove()
    x.grad = null
    x.mul(3).sum().backward()
    expect(x.grad!.toArray()).toEqual([3, 3])
  })

  it('matmul of a 3-D input with a shared 2-D weight gets the weight gradient summed over the batch', () => {
    const x = randn([2, 3, 4])
    const w = randn([4, 5], { requiresGrad: true })
    x.matmul(w).sum().backward()
    const expected = x.sum([0, 1]).unsqueeze(1).expand([4, 5])
    const diff = w.grad!.sub(expected).abs().amax().item()
    expect(diff).toBeLessThan(1e-5)
  })

  it('gradients flow through views into the base', () => {
    const x = arange(6, undefined, 1, { dtype: 'float64' }).reshape([2, 3]).requiresGrad_()
    x.t().slice(0, 1).sum().backward()
    expect(x.grad!.toArray()).toEqual([[0, 1, 1], [0, 1, 1]])
    expect(zeros([1]).isLeaf).toBe(true)
  })
})

// Found by mutation testing (docs/testing.md): behaviours of the engine that the
// tests above did not pin down.
describe('engine details', () => {
  const f64 = (v: number[], requiresGrad = true) => tensor(v, { dtype: 'float64', requiresGrad })

  it('sumToShape sums broadcast dims back, returns an equal-shaped gradient as is, and names bad shapes', () => {
    const g = tensor(Array.from({ length: 24 }, (_, i) => i), { dtype: 'float64', shape: [2, 3, 4] })
    const s = sumToShape(g, [3, 1])
    expect(s.shape).toEqual([3, 1])
    expect(s.toList()).toEqual([0, 1, 2].map((j) => [0, 1].reduce((a, i) => a + [0, 1, 2, 3].reduce((b, k) => b + g.toList()[i * 12 + j * 4 + k], 0), 0)))
    expect(sumToShape(g, [2, 3, 4])).toBe(g)
    expect(sumToShape(g, [1, 3, 1]).toList()).toEqual(s.toList())
    expect(() => sumToShape(g, [1, 2, 3, 4])).toThrow(/backward: gradient of shape \[2,3,4\] cannot be reduced to input shape \[1,2,3,4\]/)
    expect(() => sumToShape(g, [3, 2])).toThrow(/cannot be reduced to input shape \[3,2\]/)
    expect(() => sumToShape(g, [2, 1])).toThrow(/cannot be reduced/)
  })

  it('a diamond waits for both branches before going on (d/dx [exp(2x) + sin(2x)])', () => {
    const x = f64([0.3, -0.7])
    const y = x.mul(2)
    y.exp().add(y.sin()).sum().backward()
    expect(x.grad!.toList()).toEqual([0.3, -0.7].map((v) => 2 * (Math.exp(2 * v) + Math.cos(2 * v))))
  })

  it('retainGrad keeps a non-leaf gradient; without it a non-leaf gets none', () => {
    const x = f64([1, 2])
    const y = x.mul(3).retainGrad()
    const w = x.mul(4)
    y.mul(w).sum().backward()
    expect(y.grad!.toList()).toEqual([4, 8]) // d/dy sum(y * w) = w
    expect(w.grad).toBeNull()
  })

  it('the graph is freed after backward unless retainGraph', () => {
    const x = f64([1, 2])
    const z = x.exp().sum()
    z.backward(undefined, { retainGraph: true })
    z.backward()
    expect(x.grad!.toList()).toEqual([2 * Math.E, 2 * Math.exp(2)])
    expect(() => z.backward()).toThrow(AutogradError)
  })

  it('a gradient of another dtype is cast to the leaf dtype', () => {
    const x = tensor([1, 2], { dtype: 'float32', requiresGrad: true })
    x.mul(f64([0.5, 0.25], false)).sum().backward() // float64 result
    expect(x.grad!.dtype).toBe('float32')
    expect(x.grad!.toList()).toEqual([0.5, 0.25])
  })

  it('leaves sharing one incoming gradient get .grad buffers of their own', () => {
    const a = f64([1, 2]), b = f64([3, 4])
    a.add(b).sum().backward()
    expect(a.grad!.toList()).toEqual([1, 1])
    a.grad!.mul_(5)
    expect(b.grad!.toList()).toEqual([1, 1])
    expect(a.grad!.requiresGrad).toBe(false)
  })

  it('a plain backward after a createGraph one adds into a detached copy of the differentiable .grad', () => {
    const x = f64([1, 2])
    x.mul(x).sum().backward(undefined, { createGraph: true }) // .grad = 2x, part of a graph
    const first = x.grad!
    expect(first.requiresGrad).toBe(true)
    x.mul(3).sum().backward()
    expect(x.grad!.toList()).toEqual([5, 7])
    expect(x.grad!.requiresGrad).toBe(false)
    expect(first.toList()).toEqual([2, 4]) // the graph's tensor is left as it was
  })

  it('backward names a first argument that is not a gradient tensor', () => {
    const y = f64([1, 2]).sum()
    expect(() => y.backward(null as never)).toThrow(/^backward: the first argument is the output's gradient \(a Tensor\), got null; options go second/)
    expect(() => y.backward({ retainGraph: true } as never)).toThrow(/^backward: the first argument is the output's gradient \(a Tensor\), got object/)
    expect(() => y.backward(2 as never)).toThrow(ValueError)
  })
})
