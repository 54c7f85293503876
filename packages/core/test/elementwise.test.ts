// Elementwise ops' dtype rules, what they record for autograd, and their errors:
// the cases mutation testing found unchecked by the OpInfo sweeps (which run float64).
import { describe, expect, it } from 'vitest'
import { AutogradError, DTypeError, ShapeError, ValueError, binaryOp, clamp, maskedFill, noGrad, tensor, tril, triu, where } from '../src/index.js'

const ints = (xs: number[]) => tensor(xs, { dtype: 'int32' })
const bools = (xs: boolean[]) => tensor(xs)

describe('unary dtypes', () => {
  it('float-valued ops on int32 or bool give float32', () => {
    const s = ints([1, 4, 9]).sqrt()
    expect([s.dtype, ...s.toArray() as number[]]).toEqual(['float32', 1, 2, 3])
    expect(bools([true, false]).exp().dtype).toBe('float32')
    expect(ints([0]).sigmoid().toArray()).toEqual([0.5])
  })

  it('other ops on bool give int32 (abs keeps bool); ops on int32 stay int32', () => {
    const b = bools([true, false])
    expect(b.square().dtype).toBe('int32')
    expect(b.square().toArray()).toEqual([1, 0])
    expect(b.sign().dtype).toBe('int32')
    expect(b.abs().dtype).toBe('bool')
    expect(ints([-2, 3]).relu().dtype).toBe('int32')
    expect(ints([-2, 3]).relu().toArray()).toEqual([0, 3])
  })

  it('logicalNot, isnan and isinf give bool and record nothing', () => {
    const x = tensor([1, NaN, Infinity], { requiresGrad: true })
    expect(x.isnan().toArray()).toEqual([false, true, false])
    expect(x.isinf().toArray()).toEqual([false, false, true])
    expect(x.isnan().requiresGrad).toBe(false)
    expect(bools([true, false]).logicalNot().toArray()).toEqual([false, true])
  })

  it('refuses to negate a bool tensor, naming the op and the alternative', () => {
    expect(() => bools([true]).neg()).toThrow(DTypeError)
    expect(() => bools([true]).neg()).toThrow(/^neg: negation of a bool tensor is not supported; use logicalNot/)
  })

  it('records a node only for a float result of an input that needs a gradient', () => {
    expect(tensor([1, 2]).exp().requiresGrad).toBe(false)
    expect(ints([1, 2]).abs().requiresGrad).toBe(false)
    const x = tensor([1, 2], { requiresGrad: true })
    expect(noGrad(() => x.exp()).requiresGrad).toBe(false)
    expect(x.exp().gradFn?.op).toBe('exp')
  })
})

describe('binary ops', () => {
  it('bool with bool: mul, maximum and minimum stay bool, div is true division', () => {
    const a = bools([true, false, true]), b = bools([true, true, false])
    expect(a.mul(b).dtype).toBe('bool')
    expect(a.mul(b).toArray()).toEqual([true, false, false])
    expect(a.maximum(b).toArray()).toEqual([true, true, true])
    expect(a.minimum(b).toArray()).toEqual([true, false, false])
    expect(a.div(b).dtype).toBe('float32')
  })

  it('bool with bool: add is logical or and stays bool; sub and pow are refused by name (as in PyTorch)', () => {
    const a = bools([true, false, true, false]), b = bools([true, true, false, false])
    expect(a.add(b).dtype).toBe('bool')
    expect(a.add(b).toArray()).toEqual([true, true, true, false])
    expect(a.add(true).toArray()).toEqual([true, true, true, true])
    expect(bools([true, false]).reshape([2, 1]).add(bools([false, false])).toArray()).toEqual([[true, true], [false, false]])
    expect(() => a.sub(b)).toThrow(DTypeError)
    expect(() => a.sub(b)).toThrow(/^sub: subtraction of two bool tensors is not supported/)
    expect(() => a.pow(b)).toThrow(/^pow: not implemented for two bool tensors/)
    expect(a.add(ints([1, 1, 1, 1])).toArray()).toEqual([2, 1, 2, 1]) // bool + int32 promotes to int32
  })

  it('take numbers and booleans as scalars, and refuse anything else by name', () => {
    expect(tensor([1, 2]).add(true).toArray()).toEqual([2, 3])
    expect(ints([1, 2]).mul(false).toArray()).toEqual([0, 0])
    expect(() => tensor([1]).add('a' as never)).toThrow(ValueError)
    expect(() => tensor([1]).add('a' as never)).toThrow(/^add: expected a Tensor or a number, got string/)
    expect(() => tensor([1]).mul(null as never)).toThrow(/^mul: expected a Tensor or a number, got null/)
  })

  it('need a tensor among the operands', () => {
    expect(() => binaryOp('add', 1, 2)).toThrow(ValueError)
    expect(() => binaryOp('add', 1, 2)).toThrow(/^add: at least one operand must be a Tensor/)
    expect(binaryOp('sub', 1, tensor([3])).toArray()).toEqual([-2])
  })

  it('record a node only for a float result with an input that needs a gradient', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    expect(tensor([1]).add(tensor([2])).requiresGrad).toBe(false)
    expect(tensor([1], { dtype: 'int32' }).mul(3).requiresGrad).toBe(false)
    expect(x.gt(tensor([0, 5])).requiresGrad).toBe(false)
    expect(noGrad(() => x.mul(x)).requiresGrad).toBe(false)
    expect(x.sub(1).gradFn?.op).toBe('sub')
  })

  it('add and sub save nothing: their inputs may change in place before backward', () => {
    const a = tensor([1, 2], { requiresGrad: true }), b = tensor([3, 4], { requiresGrad: true })
    const y = a.add(b).sub(b)
    noGrad(() => { a.add_(1); b.mul_(2) })
    y.backward(tensor([1, 1]))
    expect([a.grad!.toArray(), b.grad!.toArray()]).toEqual([[1, 1], [0, 0]])
  })

  it("mul saves its inputs, not its output: the output may change in place before backward", () => {
    const a = tensor([1, 2], { requiresGrad: true }), b = tensor([3, 4], { requiresGrad: true })
    const y = a.mul(b)
    noGrad(() => y.add_(10))
    y.backward(tensor([1, 1]))
    expect([a.grad!.toArray(), b.grad!.toArray()]).toEqual([[3, 4], [1, 2]])
  })
})

describe('where', () => {
  const c = bools([true, false])

  it('takes two scalars: numbers give float32, booleans bool', () => {
    expect(where(c, 1, 0).dtype).toBe('float32')
    expect(where(c, 1, 0).toArray()).toEqual([1, 0])
    expect(where(c, true, false).dtype).toBe('bool')
    expect(where(c, false, true).toArray()).toEqual([false, true])
  })

  it('records a node only for float results that need a gradient', () => {
    expect(where(c, ints([1, 2]), ints([3, 4])).requiresGrad).toBe(false)
    expect(where(c, tensor([1, 2]), 0).requiresGrad).toBe(false)
    expect(where(c, tensor([1, 2], { requiresGrad: true }), 0).gradFn?.op).toBe('where')
  })

  it('saves its condition: changing it in place before backward is an error, not a wrong gradient', () => {
    const cond = bools([true, false]), x = tensor([1, 2], { requiresGrad: true })
    const y = where(cond, x, 0)
    noGrad(() => cond.copy_(bools([false, true])))
    expect(() => y.sum().backward()).toThrow(AutogradError)
    expect(() => where(bools([true, false]), x, 0).sum().backward()).not.toThrow()
    expect(x.grad!.toArray()).toEqual([1, 0])
  })

  it('errors name the op', () => {
    expect(() => where(1 as never, tensor([1]), tensor([2]))).toThrow(/^where: condition must be a Tensor, got number/)
    expect(() => where(bools([true, false, true]), tensor([1, 2]), 0)).toThrow(ShapeError)
    expect(() => where(bools([true, false, true]), tensor([1, 2]), 0)).toThrow(/^where: /)
    expect(() => where(c, tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/^where: /)
  })
})

describe('maskedFill', () => {
  const x = tensor([[1, 2, 3]])

  it('fills where the mask is true, the mask broadcasting to the input', () => {
    expect(maskedFill(tensor([[1, 2, 3], [4, 5, 6]]), bools([true, false, true]), -1).toArray()).toEqual([[-1, 2, -1], [-1, 5, -1]])
  })

  it('refuses a mask that is not bool, or that would broadcast the input to a bigger shape', () => {
    expect(() => maskedFill(x, ints([1, 0, 1]), 0)).toThrow(DTypeError)
    expect(() => maskedFill(x, ints([1, 0, 1]), 0)).toThrow(/^maskedFill: mask must be a bool tensor, got int32/)
    expect(() => maskedFill(x, tensor([[true], [false]]), 0)).toThrow(/^maskedFill: mask of shape \[2,1\] does not broadcast to the input's shape \[1,3\]/)
    expect(() => maskedFill(x, tensor([[[true, false, true]], [[true, true, true]]]), 0)).toThrow(ValueError)
    expect(() => maskedFill(x, tensor([[[true, false, true]]]), 0)).toThrow(/does not broadcast to the input's shape \[1,3\]/)
    expect(() => maskedFill(x, bools([true, false]), 0)).toThrow(ShapeError)
    expect(() => maskedFill(x, bools([true, false]), 0)).toThrow(/^maskedFill: /)
    expect(() => maskedFill(3 as never, bools([true]), 0)).toThrow(/^maskedFill: input must be a Tensor/)
    expect(() => maskedFill(x, 3 as never, 0)).toThrow(/^maskedFill: mask must be a Tensor/)
  })
})

describe('clamp', () => {
  const x = tensor([-2, -0.5, 0.25, 1, 3], { requiresGrad: true })

  it('a null bound is no bound, in the values and in the gradient', () => {
    expect(clamp(x, null, 0.5).toArray()).toEqual([-2, -0.5, 0.25, 0.5, 0.5])
    expect(clamp(x, -1, null).toArray()).toEqual([-1, -0.5, 0.25, 1, 3])
    x.grad = null
    clamp(x, null, 0.5).sum().backward()
    expect(x.grad!.toArray()).toEqual([1, 1, 1, 0, 0])
    x.grad = null
    clamp(x, -1, null).sum().backward()
    expect(x.grad!.toArray()).toEqual([0, 1, 1, 1, 1])
  })

  it('saves its input: changing it in place before backward is refused', () => {
    const y = tensor([-1, 0.5, 2], { requiresGrad: true })
    const z = clamp(y, 0, 1)
    noGrad(() => y.add_(1))
    expect(() => z.sum().backward()).toThrow(AutogradError)
  })

  it('needs a bound; records a node only for float inputs that need a gradient', () => {
    for (const [lo, hi] of [[undefined, undefined], [null, null], [null, undefined], [undefined, null]] as const) {
      expect(() => clamp(x, lo, hi)).toThrow(/^clamp: at least one of min and max must be given/)
    }
    expect(() => clamp(2 as never, 0)).toThrow(/^clamp: input must be a Tensor/)
    expect(clamp(ints([-3, 5]), 0, 1).requiresGrad).toBe(false)
    expect(clamp(ints([-3, 5]), 0, 1).toArray()).toEqual([0, 1])
    expect(clamp(tensor([1]), 0).requiresGrad).toBe(false)
    expect(clamp(x, 0).gradFn?.op).toBe('clamp')
  })

  it("promotes like PyTorch: a fractional bound makes an int32 input's result float32; whole bounds keep int32", () => {
    const i = ints([1, 2, 3])
    const lo = clamp(i, 1.5)
    expect(lo.dtype).toBe('float32')
    expect(lo.toArray()).toEqual([1.5, 2, 3])
    const hi = clamp(i, null, 2.5)
    expect(hi.dtype).toBe('float32')
    expect(hi.toArray()).toEqual([1, 2, 2.5])
    expect(clamp(i, 2, 2).dtype).toBe('int32')
    expect(clamp(tensor([1, 2], { dtype: 'float64' }), 1.5).dtype).toBe('float64')
  })
})

describe('triu / tril', () => {
  it('errors name the op', () => {
    expect(() => triu(tensor([1, 2]))).toThrow(/^triu: expected a tensor with at least 2 dims, got 1/)
    expect(() => tril(tensor([1, 2]))).toThrow(/^tril: expected a tensor with at least 2 dims, got 1/)
  })

  it('a bool tensor stays bool', () => {
    const b = tensor([[true, true], [true, true]])
    expect(tril(b).dtype).toBe('bool')
    expect(tril(b).toArray()).toEqual([[true, false], [true, true]])
  })
})

describe('relu backward: the kernel rule against the composed one', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: gx = g [x > 0] by the reluBackward kernel (large enough for a native kernel too) and by the composed rule (createGraph)`, () => {
      for (const n of [5, 5000]) {
        const xs = Array.from({ length: n }, (_, i) => (i === 0 ? NaN : i === 1 ? -0 : i === 2 ? 0 : Math.sin(i * 1.7) * 3))
        const gs = Array.from({ length: n }, (_, i) => Math.cos(i))
        const g = tensor(gs, { dtype })
        const want = (g.toArray() as number[]).map((v, i) => (xs[i]! > 0 ? v : 0))
        const x = tensor(xs, { dtype, requiresGrad: true })
        x.relu().backward(g)
        expect(x.grad!.toArray()).toEqual(want)
        // createGraph (g requiring grad): the composed rule g * [x > 0], differentiable again; NaN x left out (NaN * 0)
        const x2 = tensor(xs.slice(1), { dtype, requiresGrad: true })
        x2.relu().backward(tensor(gs.slice(1), { dtype, requiresGrad: true }), { createGraph: true })
        expect(x2.grad!.requiresGrad).toBe(true)
        expect((x2.grad!.toArray() as number[]).map((v) => v + 0)).toEqual(want.slice(1)) // g * 0 may be -0
      }
    })
  }
})
