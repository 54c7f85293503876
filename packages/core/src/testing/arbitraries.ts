// fast-check arbitraries for shapes and tensors, for property tests of your own
// functions: `fc.assert(fc.property(tensorArb({dtype: 'float64'}), (x) => ...))`.
import fc from 'fast-check'
import type { DType } from '../dtype.js'
import { Tensor } from '../tensor.js'
import { numel } from '../shape.js'
import '../methods.js'

export interface ShapeOptions {
  minDims?: number
  maxDims?: number
  minSize?: number
  maxSize?: number
  /** Sometimes (about 1 in 16 dims) make a dim 0, giving empty tensors. Default false. */
  allowEmpty?: boolean
  /** Shrink the largest dims until the shape has at most this many elements (keeps gradient checks fast). */
  maxElements?: number
}

/**
 * A shape: `minDims..maxDims` dims, each `minSize..maxSize` (defaults 0..4 dims
 * of 1..5). Each dim count above 0 is 3 times as likely as a scalar shape, so
 * property tests mostly see real tensors (up to 4-D by default).
 */
export function shapeArb(opts: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minDims = 0, maxDims = 4, minSize = 1, maxSize = 5, allowEmpty = false, maxElements } = opts
  // uniform sizes (fc.integer is biased towards its minimum, which makes all-1 shapes common)
  const size = fc.constantFrom(...Array.from({ length: maxSize - minSize + 1 }, (_, i) => minSize + i))
  const dim = allowEmpty ? fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: size, weight: 15 }) : size
  const counts: { arbitrary: fc.Arbitrary<number>, weight: number }[] = []
  for (let d = minDims; d <= maxDims; d++) counts.push({ arbitrary: fc.constant(d), weight: d === 0 ? 1 : 3 })
  return fc.oneof(...counts)
    .chain((n) => fc.array(dim, { minLength: n, maxLength: n }))
    .map((shape) => (maxElements === undefined ? shape : capElements(shape, maxElements, minSize)))
}

function capElements(shape: number[], maxElements: number, minSize: number): number[] {
  const s = [...shape]
  for (;;) {
    if (numel(s) <= maxElements) return s
    let big = 0
    for (let i = 1; i < s.length; i++) if (s[i] > s[big]) big = i
    if (s[big] <= Math.max(1, minSize)) return s
    s[big]--
  }
}

/**
 * Two shapes that broadcast together: built from one shape by dropping leading
 * dims and setting some dims to 1 in either operand.
 */
export function broadcastShapesArb(opts: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  return shapeArb(opts).chain((base) =>
    fc.tuple(
      fc.integer({ min: 0, max: base.length }),
      fc.integer({ min: 0, max: base.length }),
      fc.array(fc.constantFrom(0, 1, 2), { minLength: base.length, maxLength: base.length }),
    ).map(([dropA, dropB, ones]) => {
      const a = base.map((s, i) => (ones[i] === 1 ? 1 : s)).slice(Math.min(dropA, base.length))
      const b = base.map((s, i) => (ones[i] === 2 ? 1 : s)).slice(Math.min(dropB, base.length))
      return [a, b] as [number[], number[]]
    }),
  )
}

export interface TensorArbOptions extends ShapeOptions {
  dtype?: DType
  /** A fixed shape instead of a random one. */
  shape?: readonly number[]
  min?: number
  max?: number
  requiresGrad?: boolean
  /**
   * Also produce views that are not plain contiguous tensors: the last two dims
   * transposed, all dims permuted (reversed strides), every other element
   * (stride 2), or a contiguous view that starts at a storage offset.
   */
  nonContiguous?: boolean
  /**
   * Keep values away from the kinks of piecewise ops, for gradient checks: every
   * value at least 0.05 from 0 and all values distinct (no ties for max/maximum).
   * `shift` offsets all values (give two operands different shifts to avoid ties between them).
   */
  avoidKinks?: boolean | { shift?: number }
}

/** Tensors with values in [min, max] (default [-2, 2]), optionally as non-contiguous views. */
export function tensorArb(opts: TensorArbOptions = {}): fc.Arbitrary<Tensor> {
  const { dtype = 'float32', min = -2, max = 2 } = opts
  const shapes: fc.Arbitrary<number[]> = opts.shape ? fc.constant([...opts.shape]) : shapeArb(opts)
  return shapes.chain((shape) =>
    fc.tuple(
      fc.array(valueArb(dtype, min, max), { minLength: numel(shape), maxLength: numel(shape) }),
      opts.nonContiguous ? fc.constantFrom<Layout>('contiguous', 'transposed', 'permuted', 'strided', 'offset') : fc.constant<Layout>('contiguous'),
    ).map(([values, layout]) => makeTensor(shape, opts.avoidKinks ? separate(values, opts.avoidKinks) : values, dtype, layout, opts.requiresGrad ?? false)),
  )
}

// v + shift + 0.0013 i makes values distinct (fast-check likes repeating 0 and the bounds),
// then anything within 0.05 of 0 is pushed out to 0.05 + |v|.
function separate(values: number[], how: true | { shift?: number }): number[] {
  const shift = how === true ? 0 : how.shift ?? 0
  return values.map((v, i) => {
    const w = v + shift + 0.0013 * i
    return Math.abs(w) < 0.05 ? (w < 0 ? -1 : 1) * (0.05 + Math.abs(w)) : w
  })
}

function valueArb(dtype: DType, min: number, max: number): fc.Arbitrary<number> {
  if (dtype === 'bool') return fc.integer({ min: 0, max: 1 })
  if (dtype === 'int32') return fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
}

type Layout = 'contiguous' | 'transposed' | 'permuted' | 'strided' | 'offset'

function makeTensor(shape: number[], values: number[], dtype: DType, layout: Layout, requiresGrad: boolean): Tensor {
  let t: Tensor
  if (layout === 'permuted' && shape.length >= 2) {
    // stored with the dims reversed (column-major), viewed back in order: strides increase left to right
    const rev = shape.map((_, i) => shape.length - 1 - i)
    const src = Tensor.empty(shape, dtype)
    src.storage.data.set(values)
    t = src.permute(rev).contiguous().permute(rev).detach()
  } else if (layout === 'offset') {
    // a contiguous view 3 elements into a longer storage
    const n = values.length
    const src = Tensor.zeros([n + 3], dtype)
    src.storage.data.set(values, 3)
    t = src.narrow(0, 3, n).view(shape).detach()
  } else if (layout === 'transposed' && shape.length >= 2) {
    // store the transpose contiguously, view it transposed back: same values, swapped strides
    const n = shape.length
    const src = Tensor.empty(shape, dtype)
    src.storage.data.set(values)
    const tr = src.transpose(n - 2, n - 1).contiguous()
    t = tr.transpose(n - 2, n - 1).detach()
  } else if (layout === 'strided' && shape.length >= 1) {
    // every other element of a tensor twice as long in the last dim
    const wide = [...shape]
    wide[wide.length - 1] *= 2
    const src = Tensor.zeros(wide, dtype)
    const last = shape[shape.length - 1]
    values.forEach((v, i) => { src.storage.data[Math.floor(i / last) * last * 2 + (i % last) * 2] = v })
    t = src.slice(-1, 0, undefined, 2).detach()
  } else {
    t = Tensor.empty(shape, dtype)
    t.storage.data.set(values)
  }
  if (requiresGrad) t.requiresGrad_(true)
  return t
}
