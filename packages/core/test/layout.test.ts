// Layout (src/layout.ts): the views it makes address the same elements as the
// index arithmetic they stand for, and tensors share one Layout object where
// nothing differs (an op's output shaped as its contiguous input).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Layout, arange, randn } from '../src/index.js'

/** The storage index of every element of l, in row-major order of its shape. */
function addresses(l: Layout): number[] {
  const out: number[] = []
  const walk = (d: number, at: number): void => {
    if (d === l.ndim) { out.push(at); return }
    for (let i = 0; i < l.shape[d]; i++) walk(d + 1, at + i * l.strides[d])
  }
  walk(0, l.offset)
  return out
}

const shapes = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })

describe('Layout', () => {
  it('contiguous: row-major strides, numel, isContiguous', () => {
    const l = Layout.contiguous([2, 3, 4], 5)
    expect(l.strides).toEqual([12, 4, 1])
    expect(l.offset).toBe(5)
    expect(l.numel()).toBe(24)
    expect(l.isContiguous()).toBe(true)
    expect(l.transpose(0, 2).isContiguous()).toBe(false)
    expect(Layout.contiguous([]).numel()).toBe(1)
  })

  it('permute and transpose move the element at (i, j, k) to its permuted index', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }), (shape) => {
      const l = Layout.contiguous(shape)
      const p = l.permute([2, 0, 1])
      expect(p.shape).toEqual([shape[2], shape[0], shape[1]])
      const at = (x: Layout, idx: number[]) => x.offset + idx.reduce((s, v, d) => s + v * x.strides[d], 0)
      expect(at(p, [1 % shape[2], 0, 0])).toBe(at(l, [0, 0, 1 % shape[2]]))
      expect(addresses(l.transpose(0, 1).transpose(0, 1))).toEqual(addresses(l))
    }), { seed: 31 })
  })

  it('expand gives stride 0 to new and grown dims, and reads each element where the smaller layout has it', () => {
    const l = new Layout([3, 1], [1, 7], 2).expand([2, 3, 4])
    expect(l.strides).toEqual([0, 1, 0])
    expect(addresses(l)).toEqual([2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4])
  })

  it('slice, unsqueeze and select address what they say', () => {
    const l = Layout.contiguous([4, 5])
    expect(addresses(l.slice(1, 1, 2, 2))).toEqual([1, 3, 6, 8, 11, 13, 16, 18])
    expect(addresses(l.slice(0, 2, 2))).toEqual(addresses(l).slice(10))
    expect(addresses(l.unsqueeze(1))).toEqual(addresses(l))
    expect(l.unsqueeze(2).shape).toEqual([4, 5, 1])
    expect(l.unsqueeze(0).select([false, true, true]).strides).toEqual([5, 1])
  })

  it('view keeps the row-major order of the elements, or is null when the strides forbid it', () => {
    fc.assert(fc.property(shapes, fc.integer({ min: 0, max: 9 }), (shape, offset) => {
      const l = Layout.contiguous(shape, offset)
      const flat = l.view([l.numel()])!
      expect(addresses(flat)).toEqual(addresses(l))
      const t = l.ndim > 1 ? l.transpose(0, l.ndim - 1) : l
      const v = t.view([t.numel()])
      if (v !== null) expect(addresses(v)).toEqual(addresses(t))
    }), { seed: 59 })
    expect(Layout.contiguous([2, 3]).transpose(0, 1).view([6])).toBeNull()
    expect(addresses(Layout.contiguous([4, 6]).slice(1, 0, 3).view([4, 3, 1])!)).toEqual(addresses(Layout.contiguous([4, 6]).slice(1, 0, 3)))
  })
})

describe('tensors and their Layout', () => {
  it("a tensor's shape, strides and offset are its layout's; a view holds a new Layout over the same storage", () => {
    const x = arange(12).reshape([3, 4])
    expect(x.shape).toBe(x.layout.shape)
    const t = x.t()
    expect(t.storage).toBe(x.storage)
    expect(t.layout).not.toBe(x.layout)
    expect(t.strides).toEqual([1, 4])
    expect(x.slice(1, 1, 3).offset).toBe(1)
  })

  it("an elementwise op on same-shape contiguous inputs shares the input's Layout (nothing to allocate)", () => {
    const a = randn([4, 5]), b = randn([4, 5])
    expect(a.add(b).layout).toBe(a.layout)
    expect(a.exp().shape).toEqual([4, 5])
    expect(a.t().add(b.t()).layout.isContiguous()).toBe(true)
    expect(a.t().add(b.t()).toArray()).toEqual(a.add(b).t().contiguous().toArray())
  })
})
