// Tensor hooks (registerHook on leaves and non-leaves, which may replace the
// gradient), retainGrad on non-leaf tensors, and post-accumulate hooks on leaves.
import { describe, expect, it } from 'vitest'
import { AutogradError, type Tensor, autograd, noGrad, tensor } from '../src/index.js'

const leaf = (data: number[] | number) => tensor(data, { dtype: 'float64', requiresGrad: true })

describe('registerHook', () => {
  it('a hook that scales the gradient changes the leaf\'s .grad', () => {
    const w = leaf([1, 2, 3])
    w.registerHook((g) => g.mul(10))
    w.square().sum().backward()
    expect(w.grad!.toList()).toEqual([20, 40, 60])
  })

  it('a hook on a non-leaf changes what flows to everything upstream', () => {
    const x = leaf([1, 2])
    const h = x.mul(3)
    h.registerHook((g) => g.mul(0.5))
    h.square().sum().backward() // dL/dh = 2h = [6, 12] -> halved [3, 6] -> dL/dx = 3 * [3, 6]
    expect(x.grad!.toList()).toEqual([9, 18])
  })

  it('a hook that returns nothing only observes; hooks run in registration order, each on the previous result', () => {
    const x = leaf([1, 2])
    const seen: number[][] = []
    x.registerHook((g) => { seen.push(g.toList()) })
    x.registerHook((g) => g.add(1))
    x.registerHook((g) => { seen.push(g.toList()); return g.mul(2) })
    x.sum().backward()
    expect(seen).toEqual([[1, 1], [2, 2]])
    expect(x.grad!.toList()).toEqual([4, 4])
  })

  it('the hook sees the total gradient of a tensor used twice, once', () => {
    const x = leaf(3)
    const calls: number[] = []
    x.registerHook((g) => { calls.push(g.item()) })
    const h = x.mul(2)
    const hcalls: number[] = []
    h.registerHook((g) => { hcalls.push(g.item()) })
    h.add(h.mul(h)).backward() // d/dh (h + h^2) = 1 + 2h = 13, once
    expect(hcalls).toEqual([13])
    expect(calls).toEqual([26])
  })

  it('the remover detaches the hook', () => {
    const x = leaf([1])
    const remove = x.registerHook((g) => g.mul(100))
    remove()
    x.mul(2).sum().backward()
    expect(x.grad!.toList()).toEqual([2])
  })

  it('hooks also apply to the gradients autograd.grad returns', () => {
    const x = leaf([1, 2])
    x.registerHook((g) => g.neg())
    const [g] = autograd.grad(x.square().sum(), x)
    expect(g!.toList()).toEqual([-2, -4])
  })

  it('refuses tensors that do not require grad', () => {
    expect(() => tensor([1]).registerHook((g) => g)).toThrow(AutogradError)
  })
})

describe('retainGrad', () => {
  it('keeps the gradient of a non-leaf tensor (after its hooks), without it .grad stays null', () => {
    const x = leaf([1, 2])
    const h = x.mul(3)
    const k = h.exp()
    h.retainGrad()
    h.registerHook((g) => g.mul(2))
    h.sum().backward()
    expect(h.grad!.toList()).toEqual([2, 2])
    expect(k.grad).toBeNull()
    expect(x.grad!.toList()).toEqual([6, 6])
  })

  it('accumulates across backward calls like a leaf', () => {
    const x = leaf(2)
    const h = x.square().retainGrad()
    h.mul(3).backward(undefined, { retainGraph: true })
    h.mul(3).backward()
    expect(h.grad!.item()).toBe(6)
    expect(x.grad!.item()).toBe(24)
  })

  it('is a no-op on leaves and refuses tensors that do not require grad', () => {
    const x = leaf(1)
    expect(x.retainGrad()).toBe(x)
    expect(() => tensor(1).retainGrad()).toThrow(/does not require grad/)
  })
})

describe('registerPostAccumulateGradHook', () => {
  it('runs after .grad was accumulated, with the tensor', () => {
    const w = leaf([1, 2])
    const seen: number[][] = []
    w.registerPostAccumulateGradHook((t: Tensor) => { seen.push(t.grad!.toList()) })
    w.mul(2).sum().backward()
    w.mul(3).sum().backward()
    expect(seen).toEqual([[2, 2], [5, 5]])
  })

  it('can implement an optimizer step during backward (the grad is then cleared)', () => {
    const w = leaf([1, 2])
    w.registerPostAccumulateGradHook((t) => {
      noGrad(() => t.sub_(t.grad!.mul(0.1))) // the leaf is updated in place, as an optimizer does
      t.grad = null
    })
    w.square().sum().backward()
    expect(w.toList()).toEqual([1 - 0.2, 2 - 0.4])
    expect(w.grad).toBeNull()
  })

  it('does not run for autograd.grad (nothing is accumulated); the remover works', () => {
    const w = leaf([1])
    let calls = 0
    const remove = w.registerPostAccumulateGradHook(() => { calls++ })
    autograd.grad(w.sum(), w)
    expect(calls).toBe(0)
    w.sum().backward()
    expect(calls).toBe(1)
    remove()
    w.sum().backward()
    expect(calls).toBe(1)
  })

  it('is only for leaves that require grad', () => {
    const x = leaf(1)
    expect(() => x.mul(2).registerPostAccumulateGradHook(() => {})).toThrow(/only leaf tensors/)
    expect(() => tensor(1).registerPostAccumulateGradHook(() => {})).toThrow(/only leaf tensors/)
  })
})
