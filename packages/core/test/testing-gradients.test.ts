// @adjoint/core/testing: checkGradients and the vitest matcher toHaveCorrectGradients.
import '@adjoint/core/testing/vitest'
import { describe, expect, it } from 'vitest'
import { type Tensor, defineFunction, tensor } from '@adjoint/core'
import { checkGradients, gradientMatchers, installMatchers, unravelIndex } from '@adjoint/core/testing'

const x32 = tensor([[0.5, -1.2, 0.3], [2, 0.7, -0.4]]) // float32, does not require grad
const wrongSquare = defineFunction({
  name: 'wrongSquare',
  forward: (_c, x: Tensor) => x.square(),
  backward: (_c, g) => g, // should be 2 x g
})

describe('toHaveCorrectGradients', () => {
  it('passes for correct gradients, with float32 inputs checked as float64 copies', () => {
    expect((x: Tensor) => x.tanh().mul(x).sum(1)).toHaveCorrectGradients(x32)
    expect((a: Tensor, b: Tensor) => a.matmul(b).sigmoid()).toHaveCorrectGradients([x32, x32.t()])
    expect((x: Tensor) => x.exp().sum()).toHaveCorrectGradients([x32], { gradgrad: true })
    expect(x32.dtype).toBe('float32')
    expect(x32.requiresGrad).toBe(false)
  })

  it('.not passes for wrong gradients', () => {
    expect(wrongSquare).not.toHaveCorrectGradients(x32)
  })

  it('fails with the worst element (as multi-indices), analytic and numerical values', () => {
    let message = ''
    try {
      expect(wrongSquare).toHaveCorrectGradients(x32)
    } catch (e) { message = (e as Error).message }
    expect(message).toMatch(/gradients do not match finite differences for inputs of shapes \[2,3\]:/)
    // x = -1.2 has the largest error: 2x = -2.4 vs 1
    expect(message).toMatch(/worst element: d output 0\[0, 1\] \/ d input 0\[0, 1\]/)
    expect(message).toMatch(/analytic \(backward\): 1\n/)
    expect(message).toMatch(/numerical \(finite differences\): -2\.4000/)
    expect(message).toMatch(/difference: 3\.4000/)
  })

  it('reports a wrong second derivative only with gradgrad', () => {
    // right value and first derivative (2x), but the backward is not differentiable correctly
    const flat = defineFunction({
      name: 'flatBackward',
      forward: (ctx, x: Tensor) => { ctx.saveForBackward(x); return x.square() },
      backward: (ctx, g) => g.mul(ctx.savedTensors[0].detach().mul(2)),
    })
    expect(flat).toHaveCorrectGradients(x32)
    const r = checkGradients(flat, x32, { gradgrad: true })
    expect(r.pass).toBe(false)
    expect(r.message).toMatch(/second derivatives, gradgradcheck/)
  })

  it('wrt picks the differentiated inputs; int inputs are passed through', () => {
    const idx = tensor([2, 0], { dtype: 'int32' })
    expect((x: Tensor, i: Tensor) => x.indexSelect(1, i).square()).toHaveCorrectGradients([x32, idx])
    const r = checkGradients((a: Tensor, b: Tensor) => a.mul(b), [x32, x32], { wrt: [1] })
    expect(r.pass).toBe(true)
    expect(r.inputs[0].requiresGrad).toBe(false)
    expect(r.inputs[1].dtype).toBe('float64')
    expect(r.message).toMatch(/\[2,3\] \(not differentiated\), \[2,3\]$/)
    expect(() => checkGradients((a: Tensor) => a, [idx], { wrt: [0] })).toThrow(/int32; only floating-point/)
  })

  it('a non-function is reported, errors thrown by fn propagate', () => {
    const r = gradientMatchers.toHaveCorrectGradients.call({}, 3, x32)
    expect(r.pass).toBe(false)
    expect(r.message()).toMatch(/expected a function/)
    expect(() => expect((_x: Tensor) => { throw new Error('boom') }).toHaveCorrectGradients(x32)).toThrow('boom')
  })

  it('installMatchers works with any expect that has extend()', () => {
    const added: string[] = []
    installMatchers({ extend: (m) => { added.push(...Object.keys(m)) } })
    expect(added).toEqual(['toHaveCorrectGradients'])
  })

  it('unravelIndex', () => {
    expect(unravelIndex(5, [2, 3])).toEqual([1, 2])
    expect(unravelIndex(0, [])).toEqual([])
    expect(unravelIndex(7, [2, 2, 2])).toEqual([1, 1, 1])
  })
})
