import { describe, expect, it } from 'vitest'
import { fusedBackward, recordFused, tensor, type Tensor } from '../src/index.js'

// A toy fused op y = 3x whose kernel rule and composed rule are told apart by
// what they return, so the test sees which one each kind of backward pass ran.
function triple(x: Tensor, calls: string[]): Tensor {
  const out = x.detach().mul(3)
  return recordFused('triple', out, [x], {
    kernel: (g) => { calls.push('kernel'); return [g.detach().mul(3)] },
    composed: (g) => { calls.push('composed'); return [g.mul(3)] },
  })
}

describe('fusedBackward / recordFused', () => {
  it('runs the kernel rule in an ordinary backward pass', () => {
    const calls: string[] = []
    const x = tensor([1, 2], { requiresGrad: true })
    triple(x, calls).sum().backward()
    expect(calls).toEqual(['kernel'])
    expect(x.grad!.toArray()).toEqual([3, 3])
  })
  it('runs the composed rule when the backward pass is recorded (createGraph)', () => {
    const calls: string[] = []
    const x = tensor([1, 2], { requiresGrad: true })
    triple(x, calls).mul(x).sum().backward(undefined, { createGraph: true })
    expect(calls).toEqual(['composed'])
    // d/dx sum(3x * x) = 6x, itself differentiable
    expect(x.grad!.toArray()).toEqual([6, 12])
    expect(x.grad!.requiresGrad).toBe(true)
  })
  it('fusedBackward alone chooses by grad mode', () => {
    const calls: string[] = []
    const fn = fusedBackward({ kernel: (g) => { calls.push('kernel'); return [g] }, composed: (g) => { calls.push('composed'); return [g] } })
    fn(tensor([1]))
    expect(calls).toEqual(['composed']) // grad mode is on outside backward()
  })
})
