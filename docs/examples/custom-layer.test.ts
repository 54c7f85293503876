// Example: property-testing the gradients of your own layer with adjoint's
// testing tools. Copy this file next to your code and adapt it.
//
//   - '@adjoint/core/testing' exports fast-check arbitraries for shapes and
//     tensors (shapeArb, broadcastShapesArb, tensorArb) and checkGradients;
//   - importing '@adjoint/core/testing/vitest' adds the matcher
//     expect(fn).toHaveCorrectGradients(inputs, opts?) (gradcheck on float64
//     copies of the inputs; opts.gradgrad also checks second derivatives).
import '@adjoint/core/testing/vitest'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Tensor, randn, tensor } from '@adjoint/core'
import { shapeArb, tensorArb } from '@adjoint/core/testing'

/** The layer under test: RMSNorm followed by a gated linear unit, y = (n W1) * silu(n W2), n = rmsnorm(x) * g. */
class GatedRMSBlock {
  constructor(readonly g: Tensor, readonly w1: Tensor, readonly w2: Tensor, readonly eps = 1e-6) {}

  static create(dim: number, hidden: number): GatedRMSBlock {
    const opts = { dtype: 'float64' as const, requiresGrad: true }
    return new GatedRMSBlock(randn([dim], opts).mul(0.1).add(1), randn([dim, hidden], opts).div(Math.sqrt(dim)), randn([dim, hidden], opts).div(Math.sqrt(dim)))
  }

  /** The forward as a pure function of all tensors involved, so every one of them can be gradient-checked. */
  static apply(x: Tensor, g: Tensor, w1: Tensor, w2: Tensor, eps = 1e-6): Tensor {
    const n = x.mul(x.square().mean(-1, true).add(eps).rsqrt()).mul(g)
    return n.matmul(w1).mul(n.matmul(w2).silu())
  }

  forward(x: Tensor): Tensor {
    return GatedRMSBlock.apply(x, this.g, this.w1, this.w2, this.eps)
  }
}

const DIM = 4, HIDDEN = 3
/** Inputs [...batch, DIM]: 0 to 2 batch dims, float64 values in [-2, 2], sometimes non-contiguous views. */
const inputArb = shapeArb({ minDims: 0, maxDims: 2, maxSize: 3 }).chain((batch) =>
  tensorArb({ dtype: 'float64', shape: [...batch, DIM], min: -2, max: 2, nonContiguous: true }))
/** Keeps inputs away from x = 0, where rms(x) = 0 and the norm is not differentiable. */
const notAllTiny = (x: Tensor) => x.abs().amax(-1).amin().item() > 0.1

describe('GatedRMSBlock (an example of testing your own layer)', () => {
  const block = GatedRMSBlock.create(DIM, HIDDEN)

  it('has correct gradients for the input and every parameter, at random points', () => {
    fc.assert(fc.property(inputArb.filter(notAllTiny), (x) => {
      expect(GatedRMSBlock.apply).toHaveCorrectGradients([x, block.g, block.w1, block.w2])
    }), { numRuns: 15, seed: 1 })
  })

  it('has correct second derivatives (needed by e.g. gradient penalties)', () => {
    fc.assert(fc.property(inputArb.filter(notAllTiny), (x) => {
      expect((t: Tensor) => block.forward(t)).toHaveCorrectGradients(x, { gradgrad: true })
    }), { numRuns: 5, seed: 2 })
  })

  it('keeps the batch shape and is invariant to scaling its input (a property of RMSNorm, exact with eps = 0)', () => {
    const exact = new GatedRMSBlock(block.g, block.w1, block.w2, 0)
    fc.assert(fc.property(inputArb.filter(notAllTiny), fc.double({ min: 0.1, max: 10, noNaN: true }), (x, s) => {
      const y = exact.forward(x)
      expect(y.shape).toEqual([...x.shape.slice(0, -1), HIDDEN])
      const diff = exact.forward(x.mul(s)).sub(y).abs().amax().item()
      expect(diff).toBeLessThan(1e-9)
    }), { numRuns: 30, seed: 3 })
  })

  it('a broken layer is caught, with the worst element in the message', () => {
    const broken = (x: Tensor, g: Tensor) => x.mul(x.detach().square().mean(-1, true).add(1e-6).rsqrt()).mul(g) // forgets d rms / d x
    const x = tensor([[0.5, -1, 2, 0.3]], { dtype: 'float64' })
    expect(broken).not.toHaveCorrectGradients([x, block.g])
    expect(() => expect(broken).toHaveCorrectGradients([x, block.g])).toThrow(/worst element: d output 0\[0, \d\] \/ d input 0\[0, \d\]/)
  })
})
