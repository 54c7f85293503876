// autograd/gradcheck.ts: gradcheck / gradgradcheck as torch.autograd.gradcheck does
// them: the analytic Jacobian against central differences, |a - n| <= atol + rtol |n|,
// the worst element named in the error, NaN never passing, and the input checks.
import { describe, expect, it } from 'vitest'
import { DTypeError, GradcheckError, ValueError, defineFunction, gradcheck, gradgradcheck, randn, tensor, type Tensor } from '../src/index.js'

const leaf = (v: number[] | number[][], name?: string) => {
  const t = tensor(v, { dtype: 'float64', requiresGrad: true })
  if (name) t.name = name
  return t
}

/** x^3 with a backward scaled by `factor` (1: correct); its backward is written with Tensor ops. */
const cube = (factor: number) => defineFunction({
  name: 'cube',
  forward(ctx, x: Tensor) { ctx.saveForBackward(x); return x.mul(x).mul(x) },
  backward(ctx, g) { const [x] = ctx.savedTensors; return g.mul(x.square()).mul(3 * factor) },
})

/** x^3 whose backward uses a constant copy of x: right first derivative, wrong second. */
const cubeFlatBackward = defineFunction({
  name: 'cubeFlat',
  forward(ctx, x: Tensor) { ctx.saveForBackward(x); return x.mul(x).mul(x) },
  backward(ctx, g) { const [x] = ctx.savedTensors; return g.mul(x.detach().square()).mul(3) },
})

describe('gradcheck', () => {
  it('passes a correct backward, for several inputs and outputs, over strided inputs', () => {
    const a = leaf([[0.5, -1.2, 2], [0.3, 0.7, -0.4]]), b = leaf([1.5, -0.5, 0.25])
    expect(gradcheck((x: Tensor, y: Tensor) => x.mul(y).sin(), [a, b])).toBe(true)
    expect(gradcheck((x: Tensor, y: Tensor) => [x.sum(1), x.mul(y).exp()], [a, b])).toBe(true)
    const t = randn([3, 2], { dtype: 'float64' }).t().requiresGrad_() // a transposed leaf
    expect(gradcheck((x: Tensor) => x.mul(tensor([[1], [2]], { dtype: 'float64' })).tanh(), [t])).toBe(true)
    // an input that needs no gradient is passed through unchecked
    expect(gradcheck((x: Tensor, c: Tensor) => x.mul(c), [a, tensor([2, 3, 4], { dtype: 'float64' })])).toBe(true)
  })

  it('names the worst element of a wrong Jacobian: output, input, elements, both values', () => {
    const x = leaf([1, 2], 'x')
    let err: unknown
    try { gradcheck(cube(1.1), [x]) } catch (e) { err = e }
    expect(err).toBeInstanceOf(GradcheckError)
    // d x^3 = 3 x^2: 12 at x = 2, reported as 13.2; the worst element is input 1, output 1
    expect((err as Error).message).toMatch(/^gradcheck: Jacobian mismatch for output 0 with respect to input 0 \(shape \[2\], "x"\): worst at input element 1, output element 1: analytic 13\.2\d*, numerical 12\.0000\d+ \(\|diff\| 1\.19999\d+ > atol 0\.00001 \+ rtol 0\.001 \* \|numerical\|\)$/)
    expect(gradcheck(cube(1.1), [x], { raiseException: false })).toBe(false)
  })

  it('reports the output that is wrong, and the input', () => {
    const bad = defineFunction({
      name: 'twoOut',
      forward(_ctx, a: Tensor, b: Tensor) { return [a.mul(b), a.add(b)] },
      backward(_ctx, g0, g1) { return [g0.add(g1), g1] }, // d(a * b)/da should be g0 * b
    })
    const msg = () => { try { gradcheck(bad as (...t: Tensor[]) => Tensor[], [leaf([1, 2]), leaf([3, 4])]) } catch (e) { return (e as Error).message } return '' }
    expect(msg()).toMatch(/Jacobian mismatch for output 0 with respect to input 0 \(shape \[2\]\)/)
  })

  it('tolerances: atol + rtol |numerical|', () => {
    const x = leaf([1, 2])
    // 0.1% too large: passes at rtol 2e-3, fails at rtol 1e-4 and atol 0
    expect(gradcheck(cube(1.001), [x], { rtol: 2e-3 })).toBe(true)
    expect(gradcheck(cube(1.001), [x], { rtol: 1e-4, atol: 0, raiseException: false })).toBe(false)
    // or passes with a large atol alone
    expect(gradcheck(cube(1.001), [x], { rtol: 0, atol: 0.1 })).toBe(true)
    // eps is the finite-difference step: a huge one breaks x^3's central difference (error eps^2)
    expect(gradcheck(cube(1), [x], { eps: 0.5, raiseException: false })).toBe(false)
  })

  it('a NaN gradient never passes, with any tolerance', () => {
    const nanGrad = defineFunction({
      name: 'nanGrad',
      forward(_ctx, a: Tensor) { return a.mul(2) },
      backward(_ctx, g) { return g.mul(Number.NaN) },
    })
    expect(gradcheck(nanGrad, [leaf([1, 2])], { atol: 1e9, raiseException: false })).toBe(false)
    expect(() => gradcheck(nanGrad, [leaf([1, 2])], { atol: 1e9 })).toThrow(/analytic NaN, numerical 2/)
  })

  it('a backward that gives different results on two runs is not reentrant', () => {
    let calls = 0
    const flaky = defineFunction({
      name: 'flaky',
      forward(_ctx, a: Tensor) { return a.mul(2) },
      backward(_ctx, g) { calls++; return g.mul(2 + calls * 1e-3) },
    })
    expect(() => gradcheck(flaky, [leaf([1])])).toThrow(/^gradcheck: backward is not reentrant for input 0, output 0: two evaluations gave 2\.001 and 2\.002 \(nondetTol 0\)$/)
    expect(gradcheck(flaky, [leaf([1])], { nondetTol: 0.01, atol: 0.1, raiseException: false })).toBe(true)
  })

  it('refuses inputs it cannot check, naming them', () => {
    const x = leaf([1, 2])
    expect(() => gradcheck((a: Tensor) => a, [tensor([1, 2], { requiresGrad: true })])).toThrow(new DTypeError('gradcheck: input 0 requires grad and is float32; gradcheck needs float64 inputs (finite differences in float32 are too coarse for its tolerances)'))
    expect(() => gradcheck((a: Tensor) => a, [x, 3 as any])).toThrow(new ValueError('gradcheck: input 1 is not a Tensor'))
    expect(() => gradcheck((a: Tensor) => a.mul(2), [tensor([1], { dtype: 'float64' })])).toThrow(new ValueError('gradcheck: no input requires grad; set requiresGrad: true on the inputs to check'))
    const expanded = tensor([1], { dtype: 'float64' }).expand([3]).requiresGrad_()
    expect(() => gradcheck((a: Tensor) => a.mul(2), [expanded])).toThrow(new ValueError('gradcheck: input 0 (shape [3]) has overlapping memory (e.g. from expand); perturbing one element would change several. Pass a contiguous copy.'))
    expect(() => gradgradcheck((a: Tensor) => a, [tensor([1], { requiresGrad: true })])).toThrow(/^gradgradcheck: input 0 requires grad and is float32/)
    // int inputs that need no gradient are fine
    expect(gradcheck((a: Tensor, i: Tensor) => a.mul(i), [x, tensor([2, 3], { dtype: 'int32' })])).toBe(true)
  })

  it('handles an empty input and outputs that need no gradient (a constant, an int index)', () => {
    const x = leaf([0.5, 1.5])
    const empty = tensor([], { dtype: 'float64', requiresGrad: true })
    expect(gradcheck((e: Tensor, a: Tensor) => a.exp().add(e.sum()), [empty, x])).toBe(true)
    expect(gradcheck((a: Tensor) => [a.exp(), tensor([1], { dtype: 'float64' }), a.argmax()], [x])).toBe(true)
  })

  it('leaves the inputs as they were', () => {
    const x = leaf([0.1, 0.2, 0.3])
    gradcheck((a: Tensor) => a.exp(), [x])
    expect(x.toList()).toEqual([0.1, 0.2, 0.3])
  })
})

describe('gradgradcheck', () => {
  it('passes a backward made of differentiable ops; fails one that is not', () => {
    const x = leaf([0.5, -1.5, 2])
    expect(gradgradcheck(cube(1), [x])).toBe(true)
    expect(gradgradcheck(cubeFlatBackward, [x], null, { raiseException: false })).toBe(false)
    // first derivatives alone cannot tell them apart
    expect(gradcheck(cubeFlatBackward, [x])).toBe(true)
    expect(() => gradgradcheck(cubeFlatBackward, [x])).toThrow(GradcheckError)
  })

  it('differentiates with respect to the gradOutputs too: a backward that detaches its gradient fails', () => {
    const cutsG = defineFunction({
      name: 'cutsG',
      forward(ctx, a: Tensor) { ctx.saveForBackward(a); return a.square() },
      backward(ctx, g) { const [a] = ctx.savedTensors; return g.detach().mul(a).mul(2) },
    })
    const x = leaf([0.5, -1.5])
    expect(gradcheck(cutsG, [x])).toBe(true)
    expect(gradgradcheck(cutsG, [x], null, { raiseException: false })).toBe(false)
  })

  it('inputs that need no gradient are held constant', () => {
    const x = leaf([0.5, -1.5]), c = tensor([2, 3], { dtype: 'float64' })
    expect(gradgradcheck((a: Tensor, k: Tensor) => a.square().mul(k).sin(), [x, c])).toBe(true)
    expect(gradgradcheck((k: Tensor, a: Tensor) => a.exp().mul(k), [c, x])).toBe(true)
  })

  it('takes given gradOutputs, or seeded random ones', () => {
    const x = leaf([0.5, -1.5]), f = (a: Tensor) => a.square().mul(a.sin())
    expect(gradgradcheck(f, [x], [randn([2], { dtype: 'float64', requiresGrad: true })])).toBe(true)
    expect(gradgradcheck(f, [x], null, { seed: 7 })).toBe(true)
    // an input the outputs do not use, and one output that needs no gradient
    const y = leaf([1, 2])
    expect(gradgradcheck((a: Tensor, _b: Tensor) => [a.exp(), tensor([1], { dtype: 'float64' })], [x, y])).toBe(true)
  })
})
