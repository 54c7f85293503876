// ops/movement.ts beyond the OpInfo sweeps and PyTorch fixtures (which check values and
// gradients): each op's errors name it and what it got, the cases that return the input
// itself, empty results at the ends of the valid ranges, nodes recorded only when needed
// and named after their op, and the slice gradient's own gradient (what mutation testing
// of movement.ts showed no test held).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  IndexError, ShapeError, ValueError, autogradGrad, cat, chunk, clone, contiguous, expand, flatten, narrow, ones, permute, randn, reshape, slice, split, squeeze,
  stack, tensor, transpose, unflatten, unsqueeze, view, type Tensor,
} from '../src/index.js'
import { assertClose, tensorArb } from '../src/testing/index.js'

const x23 = () => ones([2, 3])
const notATensor = [[1, 2]] as unknown as Tensor

describe('movement ops: errors name the op and what it got', () => {
  it('an input that is not a tensor', () => {
    const unary: [string, (t: Tensor) => unknown][] = [
      ['reshape', (t) => reshape(t, [2])], ['view', (t) => view(t, [2])], ['permute', (t) => permute(t, [0])], ['transpose', (t) => transpose(t, 0, 1)],
      ['expand', (t) => expand(t, [2])], ['unsqueeze', (t) => unsqueeze(t, 0)], ['squeeze', (t) => squeeze(t)], ['flatten', (t) => flatten(t)],
      ['unflatten', (t) => unflatten(t, 0, [1])], ['slice', (t) => slice(t, 0)], ['narrow', (t) => narrow(t, 0, 0, 1)], ['split', (t) => split(t, 1)],
      ['chunk', (t) => chunk(t, 1)], ['contiguous', (t) => contiguous(t)], ['clone', (t) => clone(t)],
      ['cat', (t) => cat([ones([2]), t])], ['stack', (t) => stack([ones([2]), t])],
    ]
    for (const [op, f] of unary) expect(() => f(notATensor), op).toThrow(new RegExp(`^${op}: input must be a Tensor, got object`))
  })

  it('a dim out of range', () => {
    const x = x23()
    const cases: [string, () => unknown][] = [
      ['permute', () => permute(x, [0, 2])], ['transpose', () => transpose(x, 2, 0)], ['transpose', () => transpose(x, 0, -3)], ['unsqueeze', () => unsqueeze(x, 3)],
      ['squeeze', () => squeeze(x, 2)], ['flatten', () => flatten(x, 2)], ['flatten', () => flatten(x, 0, 2)], ['unflatten', () => unflatten(x, 2, [3])],
      ['slice', () => slice(x, 2)], ['narrow', () => narrow(x, 2, 0, 1)], ['split', () => split(x, 1, 2)], ['chunk', () => chunk(x, 1, 2)],
      ['cat', () => cat([x, x], 2)], ['stack', () => stack([x, x], 3)],
    ]
    for (const [op, f] of cases) {
      expect(f, op).toThrow(IndexError)
      expect(f, op).toThrow(new RegExp(`^${op}: dim -?\\d out of range for a tensor of \\d dims`))
    }
  })

  it('a requested shape that does not fit', () => {
    const x = x23()
    expect(() => reshape(x, [2, 1.5])).toThrow(/^reshape: invalid size in \[2,1.5\]/)
    expect(() => reshape(x, [-2, -3])).toThrow(/^reshape: invalid size in \[-2,-3\]/)
    expect(() => view(x, [-1, -1])).toThrow(/^view: only one dim can be -1, got \[-1,-1\]/)
    expect(() => view(x, [-1, 4])).toThrow(/^view: shape \[-1,4\] is invalid for input of size 6 \(shape \[2,3\]\)/)
    expect(() => reshape(ones([0, 3]), [-1, 0])).toThrow(/^reshape: shape \[-1,0\] is invalid for input of size 0/)
    expect(() => reshape(x, [4, 2])).toThrow(/^reshape: shape \[4,2\] is invalid for input of size 6/)
    expect(() => unflatten(x, 1, [2, 2])).toThrow(/^unflatten: shape \[2,2\] is invalid for input of size 3/)
    expect(() => unflatten(x, 1, [-1, 2])).toThrow(ShapeError)
    expect(() => view(x.transpose(0, 1), [6])).toThrow(/^view: shape \[6\] is not compatible with the input's layout .*use reshape/)
    // -1 takes what the other sizes leave, also for an empty input
    expect(reshape(ones([0, 3]), [-1, 3]).shape).toEqual([0, 3])
    expect(unflatten(ones([2, 6]), 1, [-1, 3]).shape).toEqual([2, 2, 3])
  })

  it('permute, expand, flatten: their own rules', () => {
    const x = x23()
    expect(() => permute(x, [0])).toThrow(/^permute: got 1 dims \[0\] for a tensor of 2 dims/)
    expect(() => permute(x, [1, -1])).toThrow(ValueError)
    expect(() => permute(x, [1, -1])).toThrow(/^permute: dims \[1,-1\] repeat a dim/)
    expect(() => expand(x, [3])).toThrow(/^expand: the target shape \[3\] has fewer dims than the input \[2,3\]/)
    expect(() => expand(x, [-1, 2, 3])).toThrow(/^expand: -1 is not allowed for the new leading dim 0 in \[-1,2,3\]/)
    expect(() => expand(x, [2, 4])).toThrow(/^expand: cannot expand shape \[2,3\] to \[2,4\] \(dim 1: 3 is not 1\)/)
    expect(() => flatten(ones([2, 3, 4]), 2, 1)).toThrow(/^flatten: startDim 2 comes after endDim 1/)
  })

  it('slice, narrow, split, chunk: sizes and ranges', () => {
    const x = ones([5, 2])
    for (const step of [0, -1, 1.5]) expect(() => slice(x, 0, 0, 5, step)).toThrow(new RegExp(`^slice: step must be a positive integer, got ${step}`))
    for (const [start, length] of [[-6, 1], [0, -1], [3, 3], [5, 1]]) {
      expect(() => narrow(x, 0, start, length)).toThrow(new RegExp(`^narrow: start ${start} and length ${length} out of range for dim 0 of size 5`))
    }
    for (const size of [0, -2, 1.5]) expect(() => split(x, size)).toThrow(new RegExp(`^split: size must be a positive integer, got ${size}`))
    expect(() => split(x, [2, 2])).toThrow(/^split: sizes \[2,2\] do not add up to 5 \(dim 0 of \[5,2\]\)/)
    for (const chunks of [0, -1, 2.5]) expect(() => chunk(x, chunks)).toThrow(new RegExp(`^chunk: chunks must be a positive integer, got ${chunks}`))
  })

  it('cat and stack: the list and the shapes', () => {
    for (const bad of [[], 'x' as unknown as Tensor[]]) {
      expect(() => cat(bad)).toThrow(/^cat: expected a non-empty array of tensors/)
      expect(() => stack(bad)).toThrow(/^stack: expected a non-empty array of tensors/)
    }
    expect(() => cat([ones([2, 3]), ones([2])])).toThrow(/^cat: shapes \[2,3\], \[2\] differ outside dim 0/)
    expect(() => cat([ones([2, 3]), ones([2, 4])])).toThrow(/^cat: shapes \[2,3\], \[2,4\] differ outside dim 0/)
    expect(() => stack([ones([2, 3]), ones([2])])).toThrow(/^stack: all tensors must have the same shape, got \[2,3\], \[2\]/)
    expect(() => stack([ones([2]), ones([3])])).toThrow(/^stack: all tensors must have the same shape, got \[2\], \[3\]/)
    expect(() => stack([ones([2]), ones([2, 1])])).toThrow(/^stack: all tensors must have the same shape/)
  })
})

describe('movement ops: edge cases of the valid ranges', () => {
  it('the input itself where nothing changes', () => {
    const x = x23(), s = tensor(3)
    expect(transpose(s, 0, -1)).toBe(s)
    expect(expand(x, [2, 3])).toBe(x)
    expect(expand(x, [-1, -1])).toBe(x)
    expect(expand(x, [1, 2, 3])).not.toBe(x)
    expect(squeeze(x)).toBe(x)
    expect(squeeze(x, [0, 1])).toBe(x)
    expect(contiguous(x)).toBe(x)
    expect(clone(x)).not.toBe(x)
  })

  it('empty and single results at the ends of the ranges', () => {
    expect(flatten(tensor(3)).shape).toEqual([1])
    expect(flatten(tensor(3)).toList()).toEqual([3])
    expect(flatten(ones([2, 3, 4]), 1, 1).shape).toEqual([2, 3, 4])
    expect(narrow(ones([5, 2]), 0, 5, 0).shape).toEqual([0, 2])
    expect(narrow(ones([5, 2]), 0, -2, 2).shape).toEqual([2, 2])
    expect(expand(ones([3]), [0, 3]).shape).toEqual([0, 3])
    expect(squeeze(ones([1, 2, 1]), 0).shape).toEqual([2, 1])
    expect(squeeze(ones([1, 2, 1]), -1).shape).toEqual([1, 2])
    expect(squeeze(ones([1, 2, 1])).shape).toEqual([2])
  })

  it('split and chunk: pieces of the requested size (the last one smaller) that cat back into the input', () => {
    fc.assert(
      fc.property(tensorArb({ dtype: 'float64', minDims: 1, maxElements: 24, nonContiguous: true }), fc.integer({ min: 1, max: 5 }), (x, size) => {
        const n = x.shape[0]
        const pieces = split(x, size)
        expect(pieces.map((p) => p.shape[0])).toEqual(Array.from({ length: Math.ceil(n / size) }, (_, i) => Math.min(size, n - i * size)))
        if (n > 0) assertClose(cat(pieces), x, { rtol: 0, atol: 0 })
        const chunks = chunk(x, size)
        expect(chunks.length).toBe(n === 0 ? 1 : Math.ceil(n / Math.max(1, Math.ceil(n / size))))
      }),
      { seed: 19, numRuns: 60 },
    )
  })
})

describe('movement ops: nodes', () => {
  it('are named after their op (what the in-place check, anomaly mode and graph export report)', () => {
    const x = randn([2, 3, 1]).requiresGrad_()
    const named: [string, Tensor][] = [
      ['reshape', reshape(x, [3, 2])], ['view', view(x, [6])], ['permute', permute(x, [2, 0, 1])], ['permute', transpose(x, 0, 1)],
      ['expand', expand(x, [2, 3, 4])], ['unsqueeze', unsqueeze(x, 0)], ['squeeze', squeeze(x)], ['slice', slice(x, 1, 1)],
      ['slice', narrow(x, 1, 0, 2)], ['cat', cat([x, x])], ['cat', stack([x, x])], ['clone', clone(x)], ['clone', contiguous(x.transpose(0, 1))],
    ]
    for (const [op, t] of named) expect(t.gradFn?.op, op).toBe(op)
    expect(split(x, 1, 1).map((t) => t.gradFn?.op)).toEqual(['slice', 'slice', 'slice'])
  })

  it('are recorded only when an input requires grad', () => {
    const a = ones([2, 3]), b = ones([2, 3])
    for (const t of [cat([a, b]), stack([a, b]), clone(a), reshape(a, [6]), slice(a, 1, 1)]) {
      expect(t.requiresGrad).toBe(false)
      expect(t.gradFn).toBe(null)
    }
    expect(cat([a, b.requiresGrad_()]).requiresGrad).toBe(true)
  })

  it('slice\'s gradient is a graph only under createGraph; its own gradient is the slice again', () => {
    const x = randn([9, 2], { dtype: 'float64' }).requiresGrad_()
    const w = randn([9, 2], { dtype: 'float64' })
    const [plain] = autogradGrad(x.slice(0, 1, 6, 3).square().sum(), x)
    expect(plain!.requiresGrad).toBe(false)
    // g = d/dx sum(x[1:6:3]^2) = 2 x at rows 1, 4 and 0 elsewhere; d/dx sum(w g) = 2 w at those rows (row 7 fits a third step, but is past the end)
    const [g] = autogradGrad(x.slice(0, 1, 6, 3).square().sum(), x, null, { createGraph: true })
    expect(g!.requiresGrad).toBe(true)
    expect(g!.gradFn?.op).toBe('sliceBackward')
    assertClose(g!, plain!, { rtol: 0, atol: 0 })
    const [gg] = autogradGrad(g!.mul(w).sum(), x)
    const rows = [1, 4]
    const want = Array.from(w.contiguousData(), (v, i) => (rows.includes(Math.floor(i / 2)) ? 2 * v : 0))
    assertClose(gg!, tensor(want, { dtype: 'float64', shape: [9, 2] }), { rtol: 1e-15, atol: 0 })
  })
})
