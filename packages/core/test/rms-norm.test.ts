// rmsNorm: its kernel pair (rmsNorm / rmsNormBackward, fused autograd node) against
// the composed form x * rsqrt(mean(x^2) + eps) * w over random shapes, the kernel
// and composed backward rules against each other, gradcheck / gradgradcheck in
// float64, PyTorch fixtures with T5's LayerNorm semantics, and its errors.
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import { ShapeError, ValueError, getBackend, gradcheck, gradgradcheck, manualSeed, randn, rmsNorm, tensor, type Tensor } from '../src/index.js'
import { compareClose } from '../src/testing/index.js'

const close = (got: Tensor | null | undefined, want: Tensor | number[] | null | undefined, tol: number) =>
  compareClose(got!.contiguousData(), Array.isArray(want) ? want : want!.contiguousData(), { atol: tol, rtol: tol }).message

/** The composed (pre-kernel) form, differentiable by its ops. */
const composed = (x: Tensor, dims: number[], w: Tensor | null, eps: number) => {
  const y = x.mul(x.square().mean(dims, true).add(eps).rsqrt())
  return w ? y.mul(w) : y
}

describe('rmsNorm', () => {
  it('equals the composed form, values and gradients, over random shapes', () => {
    fc.assert(fc.property(
      fc.record({
        lead: fc.constantFrom([], [1], [3], [2, 3]), norm: fc.constantFrom([1], [7], [16], [33], [2, 5]),
        weight: fc.boolean(), eps: fc.constantFrom(1e-6, 1e-2), dtype: fc.constantFrom('float32' as const, 'float64' as const), seed: fc.nat(1000),
      }),
      ({ lead, norm, weight, eps, dtype, seed }) => {
        manualSeed(seed)
        const x = randn([...lead, ...norm], { dtype }).mul(3).detach().requiresGrad_()
        const w = weight ? randn(norm, { dtype }).requiresGrad_() : null
        const g = randn([...lead, ...norm], { dtype })
        const y = rmsNorm(x, norm, w, eps)
        y.backward(g)
        const got = [y, x.grad, w?.grad]
        x.grad = null
        if (w) w.grad = null
        const dims = norm.map((_, i) => lead.length + i)
        const want = composed(x, dims, w, eps)
        want.backward(g)
        const tol = dtype === 'float32' ? 2e-5 : 1e-12
        expect(y.shape).toEqual(x.shape)
        expect(close(got[0], want, tol)).toBe('')
        expect(close(got[1], x.grad, tol)).toBe('')
        if (w) expect(close(got[2], w.grad, tol)).toBe('')
      },
    ), { numRuns: 40 })
  })

  it('records one node whose kernel rule (ordinary backward) and composed rule (createGraph) agree', () => {
    manualSeed(5)
    const x = randn([2, 4, 6], { dtype: 'float64' }).requiresGrad_(), w = randn([6], { dtype: 'float64' }).requiresGrad_()
    const g = randn([2, 4, 6], { dtype: 'float64' })
    const spy = vi.spyOn(getBackend(), 'rmsNormBackward')
    rmsNorm(x, [6], w, 1e-6).backward(g)
    expect(spy).toHaveBeenCalledTimes(1)
    spy.mockRestore()
    const kernel = [x.grad!, w.grad!]
    x.grad = null; w.grad = null
    rmsNorm(x, [6], w, 1e-6).backward(g, { createGraph: true })
    expect(x.grad!.requiresGrad).toBe(true) // the composed rule ran
    expect(close(kernel[0], x.grad, 1e-12)).toBe('')
    expect(close(kernel[1], w.grad, 1e-12)).toBe('')
  })

  it('gradcheck and gradgradcheck in float64, with and without weight, one or two normalized dims', () => {
    manualSeed(11)
    const x = randn([3, 5], { dtype: 'float64' }).requiresGrad_(), w = randn([5], { dtype: 'float64' }).requiresGrad_()
    expect(gradcheck((x, w) => rmsNorm(x, [5], w, 1e-6), [x, w])).toBe(true)
    expect(gradgradcheck((x, w) => rmsNorm(x, [5], w, 1e-6), [x, w])).toBe(true)
    expect(gradcheck((x) => rmsNorm(x, [5], null, 1e-3), [x])).toBe(true)
    expect(gradgradcheck((x) => rmsNorm(x, [5], null, 1e-3), [x])).toBe(true)
    const x3 = randn([2, 2, 3], { dtype: 'float64' }).requiresGrad_(), w3 = randn([2, 3], { dtype: 'float64' }).requiresGrad_()
    expect(gradcheck((x, w) => rmsNorm(x, [2, 3], w), [x3, w3])).toBe(true)
    expect(gradgradcheck((x, w) => rmsNorm(x, [2, 3], w), [x3, w3])).toBe(true)
  })

  it("matches PyTorch's T5LayerNorm (fixtures: y, gx, gw)", () => {
    const fx = JSON.parse(readFileSync(new URL('./fixtures/torch-rms-norm.json', import.meta.url), 'utf8')) as {
      cases: { shape: number[]; eps: number; dtype: 'float32' | 'float64'; x: number[]; w: number[]; gy: number[]; y: number[]; gx: number[]; gw: number[] }[]
    }
    expect(fx.cases.length).toBe(3)
    for (const c of fx.cases) {
      const x = tensor(c.x, { dtype: c.dtype, shape: c.shape, requiresGrad: true }), w = tensor(c.w, { dtype: c.dtype, requiresGrad: true })
      const y = rmsNorm(x, [c.shape[c.shape.length - 1]!], w, c.eps)
      y.backward(tensor(c.gy, { dtype: c.dtype, shape: c.shape }))
      const tol = c.dtype === 'float32' ? 2e-5 : 1e-12
      expect(close(y, c.y, tol), `y ${c.shape}`).toBe('')
      expect(close(x.grad, c.gx, tol), `gx ${c.shape}`).toBe('')
      expect(close(w.grad, c.gw, tol * 10), `gw ${c.shape}`).toBe('')
    }
  })

  it('handles no rows (empty leading dim) with empty results and a zero weight gradient', () => {
    const x = randn([0, 4]).requiresGrad_(), w = randn([4]).requiresGrad_()
    const y = rmsNorm(x, [4], w)
    expect(y.shape).toEqual([0, 4])
    y.sum().backward()
    expect(w.grad!.toArray()).toEqual([0, 0, 0, 0])
  })

  it('names the op, what it got and what it expected in its errors', () => {
    const x = randn([2, 4])
    expect(() => rmsNorm(x, [3])).toThrow(ShapeError)
    expect(() => rmsNorm(x, [3])).toThrow(/rmsNorm: input of shape \[2,\s?4\] does not end with normalizedShape \[3\]/)
    expect(() => rmsNorm(x, [4], randn([3]))).toThrow(/rmsNorm: weight must have shape \[4\]/)
    expect(() => rmsNorm(x, [4], null, -1)).toThrow(ValueError)
    expect(() => rmsNorm(x, [4], null, -1)).toThrow(/rmsNorm: eps must be non-negative, got -1/)
  })
})
