// ops/normalization.ts: layerNorm against its composed form (F.layer_norm's formula,
// biased variance) with any subset of x / weight / bias needing gradients, its kernel
// and composed backward rules against each other, rmsNorm's default eps (the dtype's
// machine epsilon, as PyTorch), and the argument checks both share. (rmsNorm's own
// values, gradients and fixtures are in rms-norm.test.ts.)
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DTypeError, ShapeError, ValueError, gradcheck, gradgradcheck, layerNorm, noGrad, ones, randn, rmsNorm, tensor, type Tensor } from '../src/index.js'
import { assertClose } from '../src/testing/index.js'

/** (x - mean) / sqrt(var + eps) * w + b over `dims`, biased variance, with Tensor ops. */
function layerNormComposed(x: Tensor, dims: number[], w: Tensor | null, b: Tensor | null, eps: number): Tensor {
  const xc = x.sub(x.mean(dims, true))
  let y = xc.mul(xc.square().mean(dims, true).add(eps).rsqrt())
  if (w) y = y.mul(w)
  if (b) y = y.add(b)
  return y
}

describe('layerNorm', () => {
  it('equals the composed form, values and the gradients of whichever inputs need one', () => {
    fc.assert(
      fc.property(
        fc.record({
          lead: fc.constantFrom([], [1], [3], [2, 3]), norm: fc.constantFrom([1], [5], [2, 4]),
          grads: fc.constantFrom(...[1, 2, 3, 4, 5, 6, 7].map((m) => [m & 1, m & 2, m & 4].map(Boolean))),
          weight: fc.boolean(), bias: fc.boolean(), eps: fc.constantFrom(1e-5, 0.1), createGraph: fc.boolean(),
        }),
        ({ lead, norm, grads: [gx, gw, gb], weight, bias, eps, createGraph }) => {
          const x = randn([...lead, ...norm], { dtype: 'float64' }).mul(2).add(1).detach().requiresGrad_(gx)
          const w = weight ? randn(norm, { dtype: 'float64' }).requiresGrad_(gw) : null
          const b = bias ? randn(norm, { dtype: 'float64' }).requiresGrad_(gb) : null
          const inputs = [x, w, b].filter((t): t is Tensor => t !== null && t.requiresGrad)
          const dims = norm.map((_, i) => lead.length + i)
          const y = layerNorm(x, norm, w, b, eps)
          const want = layerNormComposed(x, dims, w, b, eps)
          assertClose(y, want, { rtol: 1e-10, atol: 1e-12 })
          if (inputs.length === 0) { expect(y.gradFn).toBeNull(); return }
          const g = randn(y.shape, { dtype: 'float64' })
          // createGraph runs the composed rule, an ordinary backward the kernel
          const got = inputs.map((t) => t.grad)
          y.backward(g, { createGraph })
          const kernel = inputs.map((t) => t.grad!)
          for (const t of inputs) t.grad = null
          want.backward(g)
          inputs.forEach((t, i) => {
            expect(got[i]).toBeNull()
            expect(kernel[i].shape).toEqual(t.shape)
            assertClose(kernel[i], t.grad!, { rtol: 1e-9, atol: 1e-11 })
          })
          for (const t of [x, w, b]) if (t && !t.requiresGrad) expect(t.grad).toBeNull()
        },
      ),
      { seed: 1903, numRuns: 80 },
    )
  })

  it('normalizes over several trailing dims, on float32 too', () => {
    const x = randn([2, 3, 4]), w = randn([3, 4]), b = randn([3, 4])
    const y = layerNorm(x, [3, 4], w, b)
    expect(y.dtype).toBe('float32')
    assertClose(y, layerNormComposed(x, [1, 2], w, b, 1e-5), { rtol: 1e-5, atol: 1e-5 })
    // each row of the un-affine result has mean 0 and (biased) variance 1
    const z = layerNorm(x, [3, 4], null, null, 0)
    assertClose(z.mean([1, 2]), [0, 0], { rtol: 0, atol: 1e-6 })
    assertClose(z.square().mean([1, 2]), [1, 1], { rtol: 1e-5, atol: 0 })
  })

  it('eps is added to the variance (a constant row gives 0, a large eps shrinks the result)', () => {
    const c = layerNorm(tensor([[3, 3, 3]], { dtype: 'float64' }), [3])
    assertClose(c, [0, 0, 0], { rtol: 0, atol: 0 })
    // x = [-1, 1]: var 1, so y = x / sqrt(1 + eps)
    assertClose(layerNorm(tensor([-1, 1], { dtype: 'float64' }), [2], null, null, 3), [-0.5, 0.5], { rtol: 1e-15, atol: 0 })
  })

  it('passes gradcheck and gradgradcheck with weight and bias', () => {
    const x = randn([2, 3], { dtype: 'float64', requiresGrad: true })
    const w = randn([3], { dtype: 'float64', requiresGrad: true }), b = randn([3], { dtype: 'float64', requiresGrad: true })
    const f = (a: Tensor, c: Tensor, d: Tensor) => layerNorm(a, [3], c, d)
    expect(gradcheck(f, [x, w, b])).toBe(true)
    expect(gradgradcheck(f, [x, w, b])).toBe(true)
  })

  it('handles no rows with empty results and zero weight and bias gradients', () => {
    const x = randn([0, 3], { requiresGrad: true }), w = ones([3], { requiresGrad: true }), b = ones([3], { requiresGrad: true })
    const y = layerNorm(x, [3], w, b)
    expect(y.shape).toEqual([0, 3])
    y.sum().backward()
    assertClose(w.grad!, [0, 0, 0], { rtol: 0, atol: 0 })
    assertClose(b.grad!, [0, 0, 0], { rtol: 0, atol: 0 })
  })
})

describe('saved tensors', () => {
  it('layerNorm and rmsNorm save their operands: changing one in place makes backward refuse', () => {
    const cases: [string, (x: Tensor, w: Tensor, b: Tensor) => Tensor][] = [['layerNorm', (x, w, b) => layerNorm(x, [3], w, b)], ['rmsNorm', (x, w) => rmsNorm(x, [3], w)]]
    for (const [name, f] of cases) {
      for (const which of name === 'layerNorm' ? [0, 1, 2] : [0, 1]) {
        const x = randn([2, 3], { requiresGrad: true }), w = randn([3], { requiresGrad: true }), b = randn([3], { requiresGrad: true })
        const y = f(x, w, b)
        expect(y.gradFn!.op).toBe(name)
        noGrad(() => [x, w, b][which].detach().add_(1))
        expect(() => y.sum().backward(), `${name} input ${which}`).toThrow(/modified by an in-place operation/)
      }
    }
  })
})

describe('rmsNorm nodes', () => {
  it('records a node only when x or the weight needs a gradient', () => {
    expect(rmsNorm(randn([2, 3]), [3]).gradFn).toBeNull()
    expect(rmsNorm(randn([2, 3]), [3], randn([3])).gradFn).toBeNull()
    expect(noGrad(() => rmsNorm(randn([2, 3], { requiresGrad: true }), [3])).gradFn).toBeNull()
    expect(rmsNorm(randn([2, 3]), [3], randn([3], { requiresGrad: true })).gradFn!.op).toBe('rmsNorm')
    expect(layerNorm(randn([2, 3]), [3], randn([3]), randn([3])).gradFn).toBeNull()
  })
})

describe('rmsNorm default eps', () => {
  it("is the dtype's machine epsilon (torch.finfo(dtype).eps)", () => {
    // one element x: y = x / sqrt(x^2 + eps)
    const y32 = rmsNorm(tensor([1e-4]), [1]).item()
    const want32 = 1e-4 / Math.sqrt(1e-8 + 1.1920928955078125e-7)
    expect(Math.abs(y32 - want32) <= 1e-6 * want32).toBe(true)
    const y64 = rmsNorm(tensor([1e-8], { dtype: 'float64' }), [1]).item()
    const want64 = 1e-8 / Math.sqrt(1e-16 + 2.220446049250313e-16)
    expect(Math.abs(y64 - want64) <= 1e-12 * want64).toBe(true)
    // an explicit eps (0 included) replaces it
    expect(rmsNorm(tensor([1e-8], { dtype: 'float64' }), [1], null, 0).item()).toBe(1)
  })
})

describe('argument checks of layerNorm and rmsNorm', () => {
  const x = randn([2, 4])
  for (const [op, fn] of [['layerNorm', layerNorm], ['rmsNorm', rmsNorm]] as const) {
    it(`${op} names itself, what it got and what it expected`, () => {
      const call = (...a: unknown[]) => () => (fn as (...b: unknown[]) => Tensor)(...a)
      for (const bad of [[], [0], [-4], [2.5], 4, null]) {
        expect(call(x, bad)).toThrow(new ValueError(`${op}: normalizedShape must be a non-empty array of positive sizes, got ${JSON.stringify(bad)}`))
      }
      expect(call(x, [3])).toThrow(new ShapeError(`${op}: input of shape [2,4] does not end with normalizedShape [3]`))
      expect(call(x, [1, 2, 4])).toThrow(new ShapeError(`${op}: input of shape [2,4] does not end with normalizedShape [1,2,4]`))
      expect(call(x, [4, 4])).toThrow(ShapeError)
      expect(call(ones([4]), [4, 4])).toThrow(new ShapeError(`${op}: input of shape [4] does not end with normalizedShape [4,4]`))
      expect(call(x, [4, -1])).toThrow(new ValueError(`${op}: normalizedShape must be a non-empty array of positive sizes, got [4,-1]`))
      expect(call(x, [4], tensor(2))).toThrow(new ShapeError(`${op}: weight must have shape [4] (normalizedShape), got []`))
      expect(call(randn([2, 3, 4]), [3, 4], randn([3, 5]))).toThrow(new ShapeError(`${op}: weight must have shape [3,4] (normalizedShape), got [3,5]`))
      expect(call(x, [4], randn([2, 4]))).toThrow(new ShapeError(`${op}: weight must have shape [4] (normalizedShape), got [2,4]`))
      expect(call(x, [4], randn([3]))).toThrow(/weight must have shape \[4\] \(normalizedShape\), got \[3\]/)
      expect(call(x, [4], 1)).toThrow(new ValueError(`${op}: weight must be a Tensor, got number`))
      expect(call(ones([2, 4], { dtype: 'int32' }), [4])).toThrow(new DTypeError(`${op}: input must be float32 or float64, got int32`))
      expect(call(null, [4])).toThrow(new ValueError(`${op}: input must be a Tensor, got null`))
    })
  }

  it('layerNorm checks its bias and eps', () => {
    expect(() => layerNorm(x, [4], null, randn([5]))).toThrow(new ShapeError('layerNorm: bias must have shape [4] (normalizedShape), got [5]'))
    expect(() => layerNorm(x, [4], null, null, -1e-5)).toThrow(new ValueError('layerNorm: eps must be non-negative, got -0.00001'))
    expect(() => layerNorm(x, [4], null, null, Number.NaN)).toThrow(/layerNorm: eps must be non-negative, got NaN/)
    expect(() => rmsNorm(x, [4], null, Number.NaN)).toThrow(/rmsNorm: eps must be non-negative, got NaN/)
  })
})
