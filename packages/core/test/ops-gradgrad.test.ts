// Every differentiable op, over random small shapes (broadcasting, dims,
// keepdim, non-contiguous views), passes gradgradcheck in float64: the backward
// of every op is itself differentiable, so backward({createGraph: true}) gives
// correct second derivatives. Uses the OpInfo registry of the gradcheck sweep,
// plus a few cases it does not cover (zeros in prod, indexAdd, views, piecewise-constant ops).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Tensor, gradcheck, gradgradcheck, tensor, where } from '../src/index.js'
import { tensorArb } from '../src/testing/index.js'
import { opInfos, type OpInfo } from './opinfo.js'

const f64 = (shape: number[], min = -2, max = 2, nonContiguous = true) => tensorArb({ dtype: 'float64', shape, min, max, requiresGrad: true, nonContiguous, avoidKinks: true })
const leaf = (data: number[], shape: number[]) => tensor(data, { dtype: 'float64', shape, requiresGrad: true })

const extra: OpInfo[] = [
  { name: 'prod(one zero)', inputs: fc.constant(null).map(() => [leaf([1.5, 0, -2, 0.7, 3, -1], [2, 3])]), fn: (x) => x.prod(1) },
  {
    name: 'indexAdd',
    inputs: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 })).chain(([r, c]) =>
      fc.tuple(f64([r, c]), f64([3, c]), fc.array(fc.integer({ min: 0, max: r - 1 }), { minLength: 3, maxLength: 3 }))
        .map(([x, src, idx]) => [x, src, tensor(idx, { dtype: 'int32' })])),
    fn: (x, src, idx) => x.indexAdd(0, idx, src).square(),
  },
  { name: 'clone', inputs: f64([2, 3]).map((x) => [x]), fn: (x) => x.clone().mul(x) },
  { name: 'view', inputs: f64([2, 3], -2, 2, false).map((x) => [x]), fn: (x) => x.view([3, 2]).exp() },
  { name: 'where(scalar)', inputs: f64([3, 2]).map((x) => [x]), fn: (x) => where(x.gt(0), x.square(), 0.5) },
  { name: 'sign/floor/round (zero gradient)', inputs: f64([4], 0.1, 0.4).map((x) => [x]), fn: (x) => x.sign().add(x.floor()).add(x.round()).mul(x) },
]

describe('gradgradcheck sweep', () => {
  for (const info of [...opInfos, ...extra]) {
    if (info.gradgrad === false) continue
    it(info.name, () => {
      fc.assert(fc.property(info.inputs, (xs) => gradgradcheck(info.fn, xs)), { numRuns: 6, seed: 7 })
    })
  }

  // With two or more zeros in a reduced slice, out / x fails; prod's backward then takes the
  // product of the other elements directly, so second derivatives are right there too
  // (d^2/dx0 dx1 of x0 x1 x2 x3 at x0 = x1 = 0 is x2 x3 = -1.4).
  it('prod(two zeros): gradcheck and gradgradcheck', () => {
    gradcheck((x) => x.prod(), [leaf([0, 0, -2, 0.7], [4])])
    gradgradcheck((x) => x.prod(), [leaf([0, 0, -2, 0.7], [4])])
    gradgradcheck((x) => x.prod(1, true), [leaf([0, 0, -2, 0.7, 0, 3], [2, 3])])
  })

  it('the extra cases also pass first-order gradcheck', () => {
    for (const info of extra) fc.assert(fc.property(info.inputs, (xs: Tensor[]) => gradcheck(info.fn, xs)), { numRuns: 3, seed: 7 })
  })

  it('gradgradcheck does catch a wrong second derivative', () => {
    // a backward that is right at first order but not differentiable correctly: g * 2x computed as g * (2x).detach()
    const x = leaf([0.5, -1.2, 2], [3])
    const bad = (t: Tensor) => {
      const y = t.square().detach().requiresGrad_(false)
      return y.add(t.mul(t.detach().mul(2))).sub(t.detach().mul(t.detach().mul(2))) // value x^2, first derivative 2x, second derivative 0 (should be 2)
    }
    expect(gradcheck(bad, [x])).toBe(true)
    expect(gradgradcheck(bad, [x], null, { raiseException: false })).toBe(false)
  })
})
