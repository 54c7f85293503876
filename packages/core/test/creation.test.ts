// ops/creation.ts: tensor(), full/zeros/ones and their *Like forms, arange, linspace,
// eye and the random draws, with torch.tensor / torch.arange / torch.linspace /
// torch.rand... semantics where they apply, and typed errors for every bad argument.
// (tensor.test.ts has the first checks of each; these are the details.)
import { describe, expect, it } from 'vitest'
import { DTypeError, Generator, ShapeError, ValueError, arange, eye, full, fullLike, linspace, ones, onesLike, rand, randint, randn, randnLike, randLike, tensor, zeros, zerosLike } from '../src/index.js'

describe('tensor()', () => {
  it('infers the shape from nested arrays, float32 for numbers and bool for booleans', () => {
    const a = tensor([[[1], [2]], [[3], [4]], [[5], [6]]])
    expect(a.shape).toEqual([3, 2, 1])
    expect(a.toList()).toEqual([1, 2, 3, 4, 5, 6])
    expect(tensor([]).shape).toEqual([0])
    expect(tensor([[]]).shape).toEqual([1, 0])
    expect(tensor(true).dtype).toBe('bool')
    expect(tensor([[false, true]]).toArray()).toEqual([[false, true]])
    expect(tensor(7).dtype).toBe('float32')
    expect(tensor([1.5, -2]).dtype).toBe('float32')
  })

  it('converts to the asked dtype: truncates to int32, booleans to 0/1, nonzero numbers to true', () => {
    expect(tensor([2.7, -1.5], { dtype: 'int32' }).toList()).toEqual([2, -1])
    expect(tensor([true, false], { dtype: 'float64' }).toList()).toEqual([1, 0])
    // a bool element holds 0 or 1, whatever number it came from (NaN is true, as bool(nan) in Python)
    expect(tensor([0, 3, -0.5, Number.NaN], { dtype: 'bool' }).toArray()).toEqual([false, true, true, true])
    expect(Array.from(tensor([0, 3], { dtype: 'bool' }).contiguousData())).toEqual([0, 1])
    expect(Array.from(tensor(new Float32Array([0.5, 0, 256]), { dtype: 'bool' }).contiguousData())).toEqual([1, 0, 1])
    expect(tensor([0.1], { dtype: 'float64' }).item()).toBe(0.1) // no float32 rounding on the way
  })

  it('reshapes to opts.shape when the sizes agree, and says so when they do not', () => {
    expect(tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] }).toArray()).toEqual([[1, 2, 3], [4, 5, 6]])
    expect(tensor([[1, 2], [3, 4]], { shape: [4] }).shape).toEqual([4])
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(new ShapeError("tensor: shape [2,2] does not match the data's shape [3]"))
  })

  it('copies a TypedArray, with its own dtype or the one asked (converted)', () => {
    const src = new Int32Array([1, -2, 3])
    const t = tensor(src)
    expect(t.dtype).toBe('int32')
    expect(t.shape).toEqual([3])
    src[0] = 100
    expect(t.toList()).toEqual([1, -2, 3]) // a copy
    expect(tensor(new Float64Array([1.5, 2.5]), { dtype: 'int32' }).toList()).toEqual([1, 2])
    expect(tensor(new Float32Array(6), { shape: [3, 2] }).shape).toEqual([3, 2])
    expect(tensor(new Uint8Array([0, 1])).dtype).toBe('bool')
    expect(() => tensor(new Float32Array(4), { shape: [3] })).toThrow(new ShapeError('tensor: shape [3] needs 3 elements, the array has 4'))
    expect(() => tensor(new Float32Array(4), { shape: [2, -2] })).toThrow(new ValueError('tensor: sizes must be non-negative integers, got [2,-2]'))
    expect(() => tensor(new Float32Array(4), { dtype: 'half' as any })).toThrow(new DTypeError('tensor: unknown dtype half (expected one of float32, float64, int32, bool)'))
  })

  it('explains ragged or non-numeric data', () => {
    expect(() => tensor([[1, 2], [3]] as any)).toThrow(new ShapeError('tensor: ragged nested array: expected length 2 at depth 1, got 1'))
    expect(() => tensor([[1, 2], 3] as any)).toThrow(new ShapeError('tensor: ragged nested array: expected length 2 at depth 1, got number'))
    expect(() => tensor([1, [2]] as any)).toThrow(new ValueError('tensor: expected a number or boolean at depth 1, got an array (ragged nesting)'))
    expect(() => tensor(['a'] as any)).toThrow(new ValueError('tensor: expected a number or boolean at depth 1, got string'))
    expect(() => tensor([1, 2], { dtype: 'uint8' as any })).toThrow(new DTypeError('tensor: unknown dtype uint8 (expected one of float32, float64, int32, bool)'))
    expect(() => tensor(null as any)).toThrow(/tensor: expected a number or boolean at depth 0, got object/)
  })

  it('requiresGrad makes a float leaf; ints refuse', () => {
    const t = tensor([1, 2], { requiresGrad: true })
    expect(t.requiresGrad).toBe(true)
    expect(t.isLeaf).toBe(true)
    expect(tensor([1, 2]).requiresGrad).toBe(false)
    expect(tensor(new Float64Array(2), { requiresGrad: true }).requiresGrad).toBe(true)
    expect(() => tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(DTypeError)
  })
})

describe('constants', () => {
  it('full infers bool from a boolean value and converts to the asked dtype', () => {
    expect(full([2], true).dtype).toBe('bool')
    expect(full([2], true).toArray()).toEqual([true, true])
    expect(Array.from(full([2], 7, { dtype: 'bool' }).contiguousData())).toEqual([1, 1])
    expect(Array.from(full([1], 0, { dtype: 'bool' }).contiguousData())).toEqual([0])
    expect(full([2], false, { dtype: 'float64' }).toList()).toEqual([0, 0])
    expect(full([2, 1], 2.7, { dtype: 'int32' }).toList()).toEqual([2, 2])
    expect(full([], 3).shape).toEqual([])
    expect(full([], 3).item()).toBe(3)
    expect(zeros([0, 3]).shape).toEqual([0, 3])
    expect(ones([2], { requiresGrad: true }).requiresGrad).toBe(true)
    expect(() => full([2], 1, { dtype: 'complex' as any })).toThrow(/full: unknown dtype complex/)
    expect(() => full([2.5], 1)).toThrow(new ValueError('full: sizes must be non-negative integers, got [2.5]'))
    expect(() => zeros(3 as any)).toThrow(new ValueError('full: shape must be an array of sizes, got 3'))
  })

  it('*Like take the shape and dtype of the tensor, unless told otherwise', () => {
    const x = tensor([[1, 2, 3]], { dtype: 'int32' })
    for (const [t, want] of [[zerosLike(x), [0, 0, 0]], [onesLike(x), [1, 1, 1]], [fullLike(x, 4), [4, 4, 4]]] as const) {
      expect(t.shape).toEqual([1, 3])
      expect(t.dtype).toBe('int32')
      expect(t.toList()).toEqual(want)
    }
    expect(zerosLike(x, { dtype: 'float64' }).dtype).toBe('float64')
    expect(onesLike(x.to('float32'), { requiresGrad: true }).requiresGrad).toBe(true)
    const f = tensor([[1, 2]], { dtype: 'float64' })
    expect(randnLike(f).dtype).toBe('float64')
    expect(randLike(f).dtype).toBe('float64')
    expect(randLike(f).shape).toEqual([1, 2])
    expect(randLike(f, { dtype: 'float32' }).dtype).toBe('float32')
    expect(() => randnLike(x)).toThrow(new DTypeError('randn: dtype must be float32 or float64, got int32'))
  })
})

describe('ranges', () => {
  it('arange counts from start below end by step, as torch.arange', () => {
    expect(arange(3).toList()).toEqual([0, 1, 2])
    expect(arange(2, 5).toList()).toEqual([2, 3, 4])
    expect(arange(5, 0, -2).toList()).toEqual([5, 3, 1])
    expect(arange(0, 1, 0.3).toList().length).toBe(4) // ceil(1 / 0.3)
    expect(arange(3, 3).shape).toEqual([0])
    expect(arange(5, 2).shape).toEqual([0]) // an empty range, not an error
    expect(arange(-2).shape).toEqual([0])
    const d = arange(0, 1, 0.1, { dtype: 'float64' })
    expect(d.dtype).toBe('float64')
    expect(d.toList()[3]).toBe(0.30000000000000004) // start + i * step, in float64
    expect(arange(0, 2, 0.5, { dtype: 'int32' }).toList()).toEqual([0, 0, 1, 1]) // as torch.arange(0, 2, 0.5, dtype=torch.int32)
    expect(arange(2, undefined, 1, { requiresGrad: true }).requiresGrad).toBe(true)
  })

  it('arange refuses a zero or non-finite step or bound, and an unknown dtype', () => {
    expect(() => arange(0, 3, 0)).toThrow(new ValueError('arange: start, end and step must be finite and step non-zero, got 0, 3, 0'))
    expect(() => arange(Infinity)).toThrow(/arange: start, end and step must be finite and step non-zero, got 0, Infinity, 1/)
    expect(() => arange(Number.NaN, 3)).toThrow(ValueError)
    expect(() => arange(0, 3, Number.NaN)).toThrow(ValueError)
    expect(() => arange(3, undefined, 1, { dtype: 'int64' as any })).toThrow(new DTypeError('arange: unknown dtype int64 (expected one of float32, float64, int32, bool)'))
  })

  it('linspace spaces steps points evenly, ending exactly on end', () => {
    const l = linspace(0, 1, 4, { dtype: 'float64' }).toList()
    expect(l).toEqual([0, 1 / 3, 2 / 3, 1])
    expect(linspace(0.3, 2.1, 4, { dtype: 'float64' }).toList()[3]).toBe(2.1) // not 0.3 + 3 * 0.6 = 2.0999999999999996
    expect(linspace(-1, 0.9, 2, { dtype: 'float64' }).toList()).toEqual([-1, 0.9])
    expect(linspace(-1, 1, 2).toList()).toEqual([-1, 1])
    expect(linspace(2, 5, 1).toList()).toEqual([2])
    expect(linspace(2, 5, 0).shape).toEqual([0])
    expect(linspace(3, 1, 3).toList()).toEqual([3, 2, 1])
    expect(linspace(0, 1, 3, { dtype: 'int32' }).toList()).toEqual([0, 0, 1])
    expect(linspace(0, 1, 2, { requiresGrad: true }).requiresGrad).toBe(true)
    for (const n of [-1, 2.5, Number.NaN]) expect(() => linspace(0, 1, n)).toThrow(new ValueError(`linspace: steps must be a non-negative integer, got ${n}`))
    expect(() => linspace(0, 1, 3, { dtype: 'x' as any })).toThrow(/linspace: unknown dtype x/)
  })

  it('eye puts ones on the main diagonal of an n x m matrix', () => {
    expect(eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    expect(eye(3, 2).toArray()).toEqual([[1, 0], [0, 1], [0, 0]])
    expect(eye(0).shape).toEqual([0, 0])
    expect(eye(4, 2).toArray()).toEqual([[1, 0], [0, 1], [0, 0], [0, 0]])
    expect(eye(2, 2, { dtype: 'int32' }).dtype).toBe('int32')
    expect(eye(2, 2, { requiresGrad: true }).requiresGrad).toBe(true)
    expect(() => eye(-1)).toThrow(new ValueError('eye: sizes must be non-negative integers, got [-1,-1]'))
    expect(() => eye(2, 1.5)).toThrow(/eye: sizes must be non-negative integers, got \[2,1.5\]/)
  })
})

describe('random draws', () => {
  it('take their numbers from the given generator, in element order', () => {
    const g = new Generator(4), ref = new Generator(4)
    expect(rand([3], { generator: g, dtype: 'float64' }).toList()).toEqual([ref.uniform(), ref.uniform(), ref.uniform()])
    expect(randn([2], { generator: g, dtype: 'float64' }).toList()).toEqual([ref.normal(), ref.normal()])
    expect(randint(0, 10, [3], { generator: g }).toList()).toEqual([ref.int(0, 10), ref.int(0, 10), ref.int(0, 10)])
    expect(rand([2, 0]).shape).toEqual([2, 0])
    expect(randn([2, 3], { requiresGrad: true }).requiresGrad).toBe(true)
  })

  it('randint gives int32 in [low, high) by default, or the dtype asked; refuses an empty range', () => {
    const r = randint(-2, 1, [500], { generator: new Generator(1) })
    expect(r.dtype).toBe('int32')
    expect(new Set(r.toList())).toEqual(new Set([-2, -1, 0]))
    expect(randint(0, 3, [4], { dtype: 'float64' }).dtype).toBe('float64')
    for (const [lo, hi] of [[3, 3], [4, 1], [0.5, 2], [0, Infinity]]) {
      expect(() => randint(lo, hi, [2])).toThrow(new ValueError(`randint: need integers low < high, got ${lo}, ${hi}`))
    }
    expect(() => randint(0, 2, [-1])).toThrow(/randint: sizes must be non-negative integers/)
  })

  it('rand and randn need a float dtype (PyTorch refuses int and bool), and a known one', () => {
    expect(() => randn([2], { dtype: 'int32' })).toThrow(new DTypeError('randn: dtype must be float32 or float64, got int32'))
    expect(() => rand([2], { dtype: 'bool' })).toThrow(new DTypeError('rand: dtype must be float32 or float64, got bool'))
    expect(() => rand([2], { dtype: 'float16' as any })).toThrow(/rand: unknown dtype float16/)
    expect(() => randn([2.5])).toThrow(new ValueError('randn: sizes must be non-negative integers, got [2.5]'))
    expect(() => rand([-1])).toThrow(new ValueError('rand: sizes must be non-negative integers, got [-1]'))
    expect(rand([2]).dtype).toBe('float32')
  })
})
