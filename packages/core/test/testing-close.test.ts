// The shared comparison of every test: it must fail on NaN and infinity mismatches.
import { describe, expect, it } from 'vitest'
import { tensor } from '../src/index.js'
import { DEFAULT_TOLERANCES, assertClose, compareClose, isClose } from '../src/testing/index.js'

describe('isClose', () => {
  it('|a - e| <= atol + rtol |e|, at the boundary and past it', () => {
    expect(isClose(1 + 1e-6, 1, 0, 1e-6)).toBe(true)
    expect(isClose(1 + 3e-6, 1, 0, 1e-6)).toBe(false)
    expect(isClose(100.5, 100, 1e-2, 0)).toBe(true)
    expect(isClose(102, 100, 1e-2, 0)).toBe(false)
  })

  it('fails on NaN against any number, in either place, whatever the tolerance', () => {
    for (const tol of [0, 1, Infinity]) {
      expect(isClose(NaN, 1, tol, tol)).toBe(false)
      expect(isClose(1, NaN, tol, tol)).toBe(false)
      expect(isClose(NaN, Infinity, tol, tol)).toBe(false)
    }
  })

  it('NaN matches NaN only when equalNan (the default)', () => {
    expect(isClose(NaN, NaN, 0, 0)).toBe(true)
    expect(isClose(NaN, NaN, 0, 0, false)).toBe(false)
  })

  it('an infinity matches only the same infinity, even with infinite tolerance', () => {
    expect(isClose(Infinity, Infinity, 0, 0)).toBe(true)
    expect(isClose(-Infinity, -Infinity, 0, 0)).toBe(true)
    expect(isClose(Infinity, -Infinity, Infinity, Infinity)).toBe(false)
    expect(isClose(Infinity, 1e308, 1, 1)).toBe(false)
    expect(isClose(1e308, Infinity, 1, 1)).toBe(false)
  })
})

describe('compareClose / assertClose', () => {
  it('pass on equal tensors; a NaN or Inf in place of a number fails and is named', () => {
    const e = tensor([1, 2, 3], { dtype: 'float64' })
    expect(compareClose(tensor([1, 2, 3], { dtype: 'float64' }), e).pass).toBe(true)
    const nan = compareClose(tensor([1, NaN, 3], { dtype: 'float64' }), e, { what: 'grad' })
    expect(nan).toMatchObject({ pass: false, mismatches: 1, worst: 1 })
    expect(nan.message).toMatch(/^grad: 1 of 3 elements differ; worst at flat index 1: got NaN, expected 2/)
    expect(compareClose(tensor([1, 2, Infinity], { dtype: 'float64' }), e)).toMatchObject({ pass: false, worst: 2 })
    expect(() => assertClose([NaN, NaN], [NaN, 0])).toThrow(/flat index 1: got NaN, expected 0/)
    expect(() => assertClose([Infinity], [-Infinity], { rtol: Infinity, atol: Infinity })).toThrow(/got Infinity, expected -Infinity/)
  })

  it('a whole array of NaN never passes against numbers (the hole of `Math.abs(v - e) > tol`)', () => {
    const got = new Float64Array(27).fill(NaN)
    const want = Float64Array.from({ length: 27 }, (_, i) => i)
    expect(compareClose(got, want, { rtol: 1, atol: 1 }).mismatches).toBe(27)
  })

  it('checks shapes and lengths', () => {
    expect(compareClose(tensor([[1, 2]]), tensor([1, 2])).message).toBe('shape [1,2], expected [2]')
    expect(compareClose([1, 2], [1, 2, 3]).message).toBe('2 elements, expected 3')
  })

  it('the worst element is the one furthest past its tolerance', () => {
    const r = compareClose([1.1, 10, 5], [1, 10, 6], { rtol: 0, atol: 0.01 })
    expect(r).toMatchObject({ mismatches: 2, worst: 2 })
  })

  it('default tolerances follow the dtype of the actual tensor', () => {
    const e = tensor([1], { dtype: 'float64' })
    expect(compareClose(tensor([1 + 1e-6], { dtype: 'float32' }), e).pass).toBe(true) // within float32's 1.3e-6
    expect(compareClose(tensor([1 + 1e-6], { dtype: 'float64' }), e).pass).toBe(false) // outside float64's 1e-7
    expect(DEFAULT_TOLERANCES.int32).toEqual({ rtol: 0, atol: 0 })
    expect(compareClose(tensor([3], { dtype: 'int32' }), [4]).pass).toBe(false)
  })
})
