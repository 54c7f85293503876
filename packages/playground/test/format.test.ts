// brief / full: how the page prints a tensor in a box and in a tooltip.
import { tensor, zeros } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { brief, fmtNumber, full } from '../src/format.js'

describe('format', () => {
  it('brief: a scalar, up to 4 values, else the range', () => {
    expect(brief(tensor(12))).toBe('12')
    expect(brief(tensor([1.23456, -2]))).toBe('[1.23, -2]')
    expect(brief(tensor([[1, 5], [-3, 2], [0, 4]]))).toBe('-3 … 5')
    expect(brief(tensor([NaN, 1, 2, 3, 4]))).toBe('1 … 4 (1 nan)')
    expect(brief(tensor([NaN, NaN, NaN, NaN, NaN]))).toBe('nan (5 nan)')
  })

  it('full: nested like the shape, large tensors summarised', () => {
    expect(full(tensor([[1, 2], [3, 4.5]]))).toBe('[[1, 2],\n [3, 4.5]]')
    expect(full(tensor(0.5))).toBe('0.5')
    expect(full(zeros([30, 30]))).toBe('[30,30]: 900 elements (0 … 0)')
  })

  it('fmtNumber: 4 significant digits, nan and infinities named', () => {
    expect([fmtNumber(Math.PI), fmtNumber(1e-9), fmtNumber(NaN), fmtNumber(-Infinity), fmtNumber(7)]).toEqual(['3.142', '1.000e-9', 'nan', '-inf', '7'])
  })
})
