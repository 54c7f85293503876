// The property-test generators (core/src/testing/arbitraries.ts and the op
// registry built on them) reach what they claim: 4-D shapes, 3-D broadcasts,
// empty tensors, storage offsets and non-trivial strides, and few scalars.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Tensor } from '../src/index.js'
import { broadcastShapesArb, shapeArb, tensorArb } from '../src/testing/index.js'
import { opInfos } from './opinfo.js'

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1)
const sample = <T>(arb: fc.Arbitrary<T>, n = 400): T[] => fc.sample(arb, { numRuns: n, seed: 19 })

/** Strides of a contiguous tensor of this shape. */
function contiguousStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length)
  for (let d = shape.length - 1, s = 1; d >= 0; d--) { st[d] = s; s *= shape[d] }
  return st
}

describe('shapeArb', () => {
  it('reaches 4-D shapes and keeps scalars rare', () => {
    const shapes = sample(shapeArb())
    expect(shapes.filter((s) => s.length === 4).length).toBeGreaterThan(60)
    expect(shapes.filter((s) => s.length === 0).length / shapes.length).toBeLessThan(0.12)
  })

  it('allowEmpty gives some empty shapes; maxElements caps the size but keeps the dims', () => {
    const shapes = sample(shapeArb({ maxDims: 4, maxSize: 5, allowEmpty: true, maxElements: 30 }))
    expect(shapes.filter((s) => numel(s) === 0).length).toBeGreaterThan(10)
    expect(Math.max(...shapes.map(numel))).toBeLessThanOrEqual(30)
    expect(shapes.filter((s) => s.length === 4 && numel(s) > 8).length).toBeGreaterThan(20)
    expect(sample(shapeArb()).some((s) => s.includes(0))).toBe(false)
  })
})

describe('broadcastShapesArb', () => {
  it('produces 3-D (and 4-D) broadcasts, some where both operands stretch', () => {
    const stretched = (x: number[], y: number[]) => x.some((s, i) => s === 1 && y[i] > 1)
    let any3d = 0, both3d = 0
    for (const [a, b] of sample(broadcastShapesArb({ maxDims: 4, maxSize: 3 }))) {
      const n = Math.max(a.length, b.length)
      const pa = [...Array(n - a.length).fill(1), ...a], pb = [...Array(n - b.length).fill(1), ...b]
      if (n < 3) continue
      if (stretched(pa, pb) || stretched(pb, pa)) any3d++
      if (stretched(pa, pb) && stretched(pb, pa)) both3d++
    }
    expect(any3d).toBeGreaterThan(60)
    expect(both3d).toBeGreaterThan(10)
  })
})

describe('tensorArb({ nonContiguous })', () => {
  it('produces storage offsets, permuted and stride-2 views, and plain tensors', () => {
    const ts = sample(tensorArb({ dtype: 'float64', nonContiguous: true, minDims: 2, maxDims: 4 }))
    const plain = (t: Tensor) => t.offset === 0 && t.strides.every((s, d) => t.shape[d] === 1 || s === contiguousStrides(t.shape)[d])
    expect(ts.filter((t) => t.offset > 0).length).toBeGreaterThan(40)
    expect(ts.filter((t) => t.strides.some((s) => s === 2) && t.shape.at(-1)! > 1 && t.strides.at(-1) === 2).length).toBeGreaterThan(40)
    expect(ts.filter((t) => t.ndim >= 3 && t.shape.every((s) => s > 1) && t.strides[0] === 1).length).toBeGreaterThan(10) // reversed strides
    expect(ts.filter(plain).length).toBeGreaterThan(40)
  })

  it('the values survive every layout (a view reads what was generated)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000 }), (seed) => {
      const [a] = fc.sample(tensorArb({ dtype: 'float64', nonContiguous: true }), { numRuns: 1, seed })
      const [b] = fc.sample(tensorArb({ dtype: 'float64' }), { numRuns: 1, seed })
      expect(a.shape).toEqual(b.shape)
      expect(a.toList()).toEqual(b.toList())
    }), { numRuns: 60, seed: 5 })
  })
})

describe('the op registry (opinfo.ts)', () => {
  it('few gradient cases have at most one differentiable element', () => {
    let cases = 0, tiny = 0
    for (const info of opInfos) {
      for (const xs of fc.sample(info.inputs, { numRuns: 6, seed: 7 })) {
        cases++
        if (xs.filter((x) => x.requiresGrad).reduce((n, x) => n + x.numel(), 0) <= 1) tiny++
      }
    }
    expect(cases).toBeGreaterThan(300)
    expect(tiny / cases).toBeLessThan(0.1)
  })
})
