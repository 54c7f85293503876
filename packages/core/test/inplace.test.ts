// ops/inplace.ts: add_/sub_/mul_/div_/clamp_/copy_/fill_/zero_ as in PyTorch: they write
// into the tensor's memory (views included), return the tensor itself, bump its version,
// refuse tensors autograd needs, and refuse a result that does not fit the tensor's dtype.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AutogradError, DTypeError, ShapeError, noGrad, ones, randn, tensor, zeros, type Tensor } from '../src/index.js'
import { assertClose, tensorArb } from '../src/testing/index.js'
import { add_, fill_ } from '../src/ops/inplace.js'

const f64 = (v: number[] | number[][]) => tensor(v, { dtype: 'float64' })

describe('binary in-place ops', () => {
  it('equal the out-of-place op, written into the tensor, for any shape, view and broadcast operand', () => {
    const ops = [['add_', 'add'], ['sub_', 'sub'], ['mul_', 'mul'], ['div_', 'div']] as const
    fc.assert(
      fc.property(tensorArb({ dtype: 'float64', nonContiguous: true, maxElements: 24 }), fc.constantFrom(...ops), fc.boolean(), fc.double({ min: -3, max: 3, noNaN: true }), (x, [inplace, op], useTensor, k) => {
        // the other operand: a tensor broadcast along x's leading dims, or a number
        const y = useTensor ? randn(x.shape.slice(1), { dtype: 'float64' }).add(op === 'div' ? 4 : 0) : op === 'div' && k === 0 ? 2 : k
        const want = (x as any)[op](y) as Tensor
        const before = x.storage.version
        const got = (x as any)[inplace](y) as Tensor
        expect(got).toBe(x)
        expect(x.storage.version).toBe(before + 1)
        assertClose(x, want, { rtol: 1e-12, atol: 0 })
      }),
      { seed: 1902, numRuns: 80 },
    )
  })

  it('refuse an operand that does not broadcast to the tensor\'s shape, leaving the tensor as it was', () => {
    const dims = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })
    const fits = (y: number[], x: number[]) => y.length <= x.length && y.every((s, i) => s === 1 || s === x[x.length - y.length + i])
    fc.assert(
      fc.property(dims, dims, fc.constantFrom('add_', 'sub_', 'mul_', 'div_'), (xs, ys, op) => {
        fc.pre(!fits(ys, xs))
        const x = randn(xs, { dtype: 'float64' }), before = x.toList()
        expect(() => (x as any)[op](randn(ys, { dtype: 'float64' }))).toThrow(ShapeError)
        expect(x.toList()).toEqual(before)
      }),
      { seed: 1904, numRuns: 60 },
    )
    // operands whose dims match the tensor's only when misaligned
    expect(() => ones([3, 4, 5]).add_(ones([4, 3]))).toThrow(ShapeError)
    expect(() => ones([3, 3]).mul_(ones([1, 2]))).toThrow(ShapeError)
  })

  it('write through a view into the base tensor', () => {
    const base = f64([[1, 2, 3], [4, 5, 6]])
    base.t().narrow(0, 1, 1).mul_(10) // column 1
    assertClose(base, [[1, 20, 3], [4, 50, 6]].flat(), { rtol: 0, atol: 0 })
    const b2 = f64([[1, 2], [3, 4]])
    b2.narrow(1, 0, 1).add_(f64([[100], [200]]))
    assertClose(b2, [[101, 2], [203, 4]].flat(), { rtol: 0, atol: 0 })
  })

  it('add_ scales the other operand by alpha, a tensor or a number', () => {
    assertClose(ones([2], { dtype: 'float64' }).add_(f64([1, 2]), { alpha: 3 }), [4, 7], { rtol: 0, atol: 0 })
    assertClose(ones([2], { dtype: 'float64' }).add_(2, { alpha: -0.5 }), [0, 0], { rtol: 0, atol: 0 })
    assertClose(ones([2], { dtype: 'float64' }).add_(true), [2, 2], { rtol: 0, atol: 0 })
  })

  it('an operand sharing the tensor\'s memory is read before anything is written', () => {
    const x = f64([[1, 2], [3, 4]])
    x.add_(x.t())
    assertClose(x, [[2, 5], [5, 8]].flat(), { rtol: 0, atol: 0 })
    const y = f64([1, 2, 3, 4])
    y.mul_(y) // the tensor itself
    assertClose(y, [1, 4, 9, 16], { rtol: 0, atol: 0 })
    const z = f64([1, 2, 3, 4])
    z.narrow(0, 1, 3).sub_(z.narrow(0, 0, 3)) // overlapping windows of one storage
    assertClose(z, [1, 1, 1, 1], { rtol: 0, atol: 0 })
  })

  it('an operand of another dtype is converted to the tensor\'s dtype', () => {
    const x = tensor([1, 2])
    x.add_(f64([0.5, 0.25]))
    expect(x.dtype).toBe('float32')
    assertClose(x, [1.5, 2.25], { rtol: 0, atol: 0 })
    const i = tensor([6, 9], { dtype: 'int32' })
    i.mul_(tensor([2, 3], { dtype: 'int32' })).sub_(1)
    expect(i.dtype).toBe('int32')
    expect(i.toArray()).toEqual([11, 26])
  })

  it('refuse a result of a wider kind than the tensor (float into int32, anything into bool), as PyTorch does', () => {
    const i = tensor([3, 4], { dtype: 'int32' })
    expect(() => i.add_(1.5)).toThrow(new DTypeError("add_: the result's dtype float32 cannot be written into a int32 tensor"))
    expect(() => i.div_(2)).toThrow(/div_: the result's dtype float32 cannot be written into a int32 tensor/)
    expect(() => i.mul_(tensor([0.5, 0.5]))).toThrow(DTypeError)
    expect(i.toArray()).toEqual([3, 4]) // nothing written
    expect(() => tensor([true, false]).add_(1)).toThrow(/add_: the result's dtype int32 cannot be written into a bool tensor/)
  })

  it('refuse an operand that does not broadcast to the tensor\'s shape', () => {
    expect(() => tensor([1, 2, 3]).add_(ones([2, 3]))).toThrow(new ShapeError("add_: source of shape [2,3] does not broadcast to the destination's shape [3]"))
    expect(() => tensor([[1], [2]]).mul_(ones([3]))).toThrow(/mul_: source of shape \[2,3\] does not broadcast to the destination's shape \[2,1\]/)
    expect(() => tensor([1, 2, 3]).add_(ones([2]))).toThrow(ShapeError)
    expect(() => add_(null as any, 1)).toThrow(/add_: input must be a Tensor, got null/)
    expect(() => fill_(3 as any, 1)).toThrow(/fill_: input must be a Tensor, got number/)
  })
})

describe('clamp_, copy_, fill_, zero_', () => {
  it('clamp_ clamps in place, with one bound or both', () => {
    const x = f64([-2, 0.5, 3])
    expect(x.clamp_(0, 1)).toBe(x)
    assertClose(x, [0, 0.5, 1], { rtol: 0, atol: 0 })
    assertClose(f64([-2, 0.5, 3]).clamp_(null, 0), [-2, 0, 0], { rtol: 0, atol: 0 })
    assertClose(f64([-2, 0.5, 3]).clamp_(1), [1, 1, 3], { rtol: 0, atol: 0 })
  })

  it('clamp_ refuses a fractional bound on an int32 tensor (its result is float32), as PyTorch does', () => {
    const i = tensor([1, 2, 3], { dtype: 'int32' })
    expect(() => i.clamp_(1.5)).toThrow(new DTypeError("clamp_: the result's dtype float32 cannot be written into a int32 tensor"))
    expect(i.toArray()).toEqual([1, 2, 3])
    expect(i.clamp_(2).toArray()).toEqual([2, 2, 3])
  })

  it('copy_ broadcasts the source and converts any dtype (float to int32 truncates, as in PyTorch)', () => {
    const x = zeros([2, 3], { dtype: 'float64' })
    expect(x.copy_(f64([1, 2, 3]))).toBe(x)
    assertClose(x, [[1, 2, 3], [1, 2, 3]].flat(), { rtol: 0, atol: 0 })
    const i = zeros([2], { dtype: 'int32' })
    i.copy_(tensor([2.7, -1.5]))
    expect(i.toArray()).toEqual([2, -1])
    expect(() => zeros([2]).copy_(ones([3]))).toThrow(ShapeError)
  })

  it('fill_ and zero_ set every element, of any dtype, through views', () => {
    const x = randn([2, 3], { dtype: 'float64' })
    expect(x.fill_(2.5)).toBe(x)
    assertClose(x, [[2.5, 2.5, 2.5], [2.5, 2.5, 2.5]].flat(), { rtol: 0, atol: 0 })
    x.t().narrow(0, 2, 1).zero_()
    assertClose(x, [[2.5, 2.5, 0], [2.5, 2.5, 0]].flat(), { rtol: 0, atol: 0 })
    const i = tensor([1, 2], { dtype: 'int32' })
    i.fill_(7.9)
    expect(i.toArray()).toEqual([7, 7])
    const b = tensor([true, false])
    b.fill_(1)
    expect(b.toArray()).toEqual([true, true])
  })

  it('each bumps the version once', () => {
    const x = ones([3], { dtype: 'float64' })
    const v = x.storage.version
    x.clamp_(0, 0.5)
    x.copy_(ones([3], { dtype: 'float64' }))
    x.fill_(3)
    x.zero_()
    expect(x.storage.version).toBe(v + 4)
  })
})

describe('autograd and in-place ops', () => {
  it('a leaf that requires grad cannot be modified in place, unless under noGrad', () => {
    const w = ones([2], { requiresGrad: true })
    expect(() => w.add_(1)).toThrow(new AutogradError('add_: a leaf tensor that requires grad cannot be modified in place; use the out-of-place op, or wrap the update in noGrad() (as optimizers do)'))
    expect(() => w.fill_(0)).toThrow(/fill_: a leaf tensor that requires grad/)
    noGrad(() => w.sub_(tensor([1, 2])))
    assertClose(w, [0, -1], { rtol: 0, atol: 0 })
  })

  it('the refusal names each op', () => {
    const w = ones([2], { requiresGrad: true })
    for (const [op, f] of [['sub_', () => w.sub_(1)], ['mul_', () => w.mul_(1)], ['div_', () => w.div_(1)], ['clamp_', () => w.clamp_(0, 1)], ['copy_', () => w.copy_(ones([2]))], ['zero_', () => w.zero_()]] as const) {
      expect(f).toThrow(new AutogradError(`${op}: a leaf tensor that requires grad cannot be modified in place; use the out-of-place op, or wrap the update in noGrad() (as optimizers do)`))
    }
  })

  it('nor can a tensor in the graph', () => {
    const h = ones([2], { requiresGrad: true }).mul(2)
    expect(() => h.mul_(2)).toThrow(/mul_: a tensor in the autograd graph that requires grad cannot be modified in place/)
    expect(() => h.clamp_(0, 1)).toThrow(AutogradError)
  })

  it('a tensor an op saved, changed in place, makes backward refuse (both the direct and the copying path)', () => {
    for (const change of [(t: Tensor) => t.mul_(2), (t: Tensor) => t.add_(tensor([1], { dtype: 'int32' })), (t: Tensor) => t.clamp_(0, 1), (t: Tensor) => t.copy_(t.mul(0))]) {
      const w = ones([3], { requiresGrad: true })
      const x = randn([3])
      const y = w.mul(x) // saves x
      change(x)
      expect(() => y.sum().backward()).toThrow(/modified by an in-place operation/)
    }
  })
})
