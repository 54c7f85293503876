// Forward values of the ops against naive references, over random shapes and layouts.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { broadcastShapes, cat, stack, tensor, where, type Tensor, arange, ones } from '../src/index.js'
import { broadcastShapesArb, shapeArb, tensorArb } from '../src/testing/index.js'
import { at, close, flat, ravel, unravel } from './naive.js'

const f64 = (shape?: number[], nonContiguous = true) => tensorArb({ dtype: 'float64', shape, nonContiguous, maxDims: 3 })

describe('elementwise', () => {
  const binaries: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
    ['add', (a, b) => a.add(b), (x, y) => x + y],
    ['sub', (a, b) => a.sub(b), (x, y) => x - y],
    ['mul', (a, b) => a.mul(b), (x, y) => x * y],
    ['div', (a, b) => a.div(b), (x, y) => x / y],
    ['maximum', (a, b) => a.maximum(b), Math.max],
    ['minimum', (a, b) => a.minimum(b), Math.min],
    ['lt', (a, b) => a.lt(b), (x, y) => +(x < y)],
    ['ge', (a, b) => a.ge(b), (x, y) => +(x >= y)],
    ['eq', (a, b) => a.eq(b), (x, y) => +(x === y)],
  ]
  for (const [name, op, ref] of binaries) {
    it(`${name} broadcasts by NumPy's rules`, () => {
      fc.assert(fc.property(broadcastShapesArb({ maxDims: 4, maxSize: 3, allowEmpty: true }).chain(([s1, s2]) => fc.tuple(f64(s1), f64(s2))), ([a, b]) => {
        const out = op(a, b)
        const shape = broadcastShapes(name, a.shape, b.shape)
        expect(out.shape).toEqual(shape)
        const o = flat(out)
        for (let i = 0; i < o.length; i++) {
          const idx = unravel(i, shape)
          expect(close(o[i], ref(at(a, idx), at(b, idx)))).toBe(true)
        }
      }), { numRuns: 40, seed: 1 })
    })
  }

  it('unary ops match Math', () => {
    const x = tensor([-1.5, -0.2, 0, 0.3, 2], { dtype: 'float64' })
    const cases: [Tensor, (v: number) => number][] = [
      [x.exp(), Math.exp], [x.tanh(), Math.tanh], [x.sin(), Math.sin], [x.abs(), Math.abs], [x.relu(), (v) => Math.max(v, 0)],
      [x.sigmoid(), (v) => 1 / (1 + Math.exp(-v))], [x.silu(), (v) => v / (1 + Math.exp(-v))], [x.square(), (v) => v * v],
      [x.clamp(-1, 1), (v) => Math.min(Math.max(v, -1), 1)], [x.sign(), Math.sign], [x.neg(), (v) => -v],
    ]
    for (const [t, f] of cases) flat(t).forEach((v, i) => expect(close(v, f(flat(x)[i]), 1e-12)).toBe(true))
    // gelu(1) = 0.5 (1 + erf(1/sqrt 2)) = 0.8413447460685429
    expect(tensor([1], { dtype: 'float64' }).gelu().item()).toBeCloseTo(0.8413447460685429, 14)
    expect(tensor([1], { dtype: 'float64' }).gelu({ approximate: 'tanh' }).item()).toBeCloseTo(0.8411919906082768, 14)
    expect(tensor([0.5], { dtype: 'float64' }).erf().item()).toBeCloseTo(0.5204998778130465, 15)
    expect(tensor([2.5], { dtype: 'float64' }).erf().item()).toBeCloseTo(0.999593047982555, 14)
    expect(tensor([3.5], { dtype: 'float64' }).erf().item()).toBeCloseTo(0.9999992569016276, 14)
  })

  it('dtype promotion: int / int is float, comparisons are bool, scalars do not widen', () => {
    const i = tensor([1, 2], { dtype: 'int32' })
    expect(i.div(2).dtype).toBe('float32')
    expect(i.div(2).toArray()).toEqual([0.5, 1])
    expect(i.add(1).dtype).toBe('int32')
    expect(i.mul(1.5).dtype).toBe('float32')
    expect(i.gt(1).dtype).toBe('bool')
    expect(tensor([1], { dtype: 'float64' }).add(tensor([1])).dtype).toBe('float64')
    expect(tensor([1]).add(2).dtype).toBe('float32')
  })

  it('where, maskedFill, triu, tril', () => {
    const x = arange(9).reshape([3, 3])
    expect(where(x.gt(4), x, -1).toArray()).toEqual([[-1, -1, -1], [-1, -1, 5], [6, 7, 8]])
    expect(x.maskedFill(tensor([true, false, true]), 0).toArray()).toEqual([[0, 1, 0], [0, 4, 0], [0, 7, 0]])
    expect(x.triu().toArray()).toEqual([[0, 1, 2], [0, 4, 5], [0, 0, 8]])
    expect(x.tril(-1).toArray()).toEqual([[0, 0, 0], [3, 0, 0], [6, 7, 0]])
    expect(ones([2, 3]).triu(1).toArray()).toEqual([[0, 1, 1], [0, 0, 1]])
  })

  it('triu and tril of a bool tensor stay bool (a causal mask for maskedFill)', () => {
    const T = 3
    const upper = ones([T, T], { dtype: 'bool' }).triu(1)
    expect(upper.dtype).toBe('bool')
    expect(ones([T, T], { dtype: 'bool' }).tril().dtype).toBe('bool')
    expect(upper.toArray()).toEqual([[false, true, true], [false, false, true], [false, false, false]])
    const scores = ones([T, T]).maskedFill(upper, -Infinity)
    expect(scores.toArray()).toEqual([[1, -Infinity, -Infinity], [1, 1, -Infinity], [1, 1, 1]])
  })
})

describe('reductions', () => {
  const dimCase = shapeArb({ minDims: 1, maxDims: 3, maxSize: 4 }).chain((s) => fc.tuple(f64(s), fc.integer({ min: -s.length, max: s.length - 1 }), fc.boolean()))
  const reduceRef = (x: Tensor, dim: number, keepdim: boolean, f: (xs: number[]) => number) => {
    const d = dim < 0 ? dim + x.ndim : dim
    const outShape = x.shape.filter((_, i) => i !== d)
    const n = outShape.reduce((a, b) => a * b, 1)
    const data = flat(x)
    const res: number[] = []
    for (let o = 0; o < n; o++) {
      const idx = unravel(o, outShape)
      const xs: number[] = []
      for (let j = 0; j < x.shape[d]; j++) { const full = [...idx]; full.splice(d, 0, j); xs.push(data[ravel(full, x.shape)]) }
      res.push(f(xs))
    }
    return { res, shape: keepdim ? x.shape.map((s, i) => (i === d ? 1 : s)) : outShape }
  }
  const refs: [string, (x: Tensor, d: number, k: boolean) => Tensor, (xs: number[]) => number][] = [
    ['sum', (x, d, k) => x.sum(d, k), (xs) => xs.reduce((a, b) => a + b, 0)],
    ['mean', (x, d, k) => x.mean(d, k), (xs) => xs.reduce((a, b) => a + b, 0) / xs.length],
    ['prod', (x, d, k) => x.prod(d, k), (xs) => xs.reduce((a, b) => a * b, 1)],
    ['amax', (x, d, k) => x.amax(d, k), (xs) => Math.max(...xs)],
    ['amin', (x, d, k) => x.amin(d, k), (xs) => Math.min(...xs)],
    ['max.values', (x, d, k) => x.max(d, k).values, (xs) => Math.max(...xs)],
    ['argmax', (x, d, k) => x.argmax(d, k), (xs) => xs.indexOf(Math.max(...xs))],
    ['argmin', (x, d, k) => x.argmin(d, k), (xs) => xs.indexOf(Math.min(...xs))],
    ['logsumexp', (x, d, k) => x.logsumexp(d, k), (xs) => Math.log(xs.reduce((a, b) => a + Math.exp(b), 0))],
    ['var', (x, d, k) => x.var(d, { keepdim: k }), (xs) => { const m = xs.reduce((a, b) => a + b, 0) / xs.length; return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) }],
    ['std(correction 0)', (x, d, k) => x.std(d, { keepdim: k, correction: 0 }), (xs) => { const m = xs.reduce((a, b) => a + b, 0) / xs.length; return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) }],
  ]
  for (const [name, op, f] of refs) {
    it(`${name} over a dim, with keepdim`, () => {
      fc.assert(fc.property(dimCase, ([x, d, k]) => {
        const out = op(x, d, k)
        const { res, shape } = reduceRef(x, d, k, f)
        expect(out.shape).toEqual(shape)
        flat(out).forEach((v, i) => expect(close(v, res[i], 1e-9)).toBe(true))
      }), { numRuns: 30, seed: 3 })
    })
  }

  it('reduces over several dims and over everything', () => {
    const x = arange(24).reshape([2, 3, 4])
    expect(x.sum().item()).toBe(276)
    expect(x.sum([0, 2]).toArray()).toEqual([60, 92, 124])
    expect(x.sum([0, -1], true).shape).toEqual([1, 3, 1])
    expect(x.mean().item()).toBe(11.5)
    expect(x.max().item()).toBe(23)
    expect(x.max(1).indices.toArray()).toEqual([[2, 2, 2, 2], [2, 2, 2, 2]])
    expect(x.argmax().item()).toBe(23)
    expect(tensor([1000, 1000]).logsumexp().item()).toBeCloseTo(1000 + Math.log(2), 3)
    expect(tensor([-Infinity, -Infinity]).logsumexp().item()).toBe(-Infinity)
    expect(tensor([1, NaN, 3]).amax().item()).toBeNaN()
  })
})

describe('matmul', () => {
  const naiveMatmul = (a: Tensor, b: Tensor) => {
    const A = a.ndim === 1 ? a.unsqueeze(0) : a, B = b.ndim === 1 ? b.unsqueeze(1) : b
    const m = A.shape[A.ndim - 2], k = A.shape[A.ndim - 1], n = B.shape[B.ndim - 1]
    const batch = broadcastShapes('ref', A.shape.slice(0, -2), B.shape.slice(0, -2))
    const out: number[] = []
    const nb = batch.reduce((x, y) => x * y, 1)
    for (let t = 0; t < nb; t++) {
      const bi = unravel(t, batch)
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0
        for (let p = 0; p < k; p++) s += at(A, [...bi, i, p]) * at(B, [...bi, p, j])
        out.push(s)
      }
    }
    return out
  }
  it('has PyTorch semantics: dot, matrix-vector, batched, broadcast batch dims', () => {
    const kinds = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.constantFrom('vv', 'mv', 'vm', 'mm', 'bmm', 'bcast', 'bv'))
    fc.assert(fc.property(kinds.chain(([m, k, n, kind]) => {
      const shapes: Record<string, [number[], number[]]> = { vv: [[k], [k]], mv: [[m, k], [k]], vm: [[k], [k, n]], mm: [[m, k], [k, n]], bmm: [[2, m, k], [2, k, n]], bcast: [[3, 1, m, k], [2, k, n]], bv: [[2, m, k], [k]] }
      const [sa, sb] = shapes[kind]
      return fc.tuple(f64(sa), f64(sb))
    }), ([a, b]) => {
      const out = a.matmul(b)
      const ref = naiveMatmul(a, b)
      const o = flat(out)
      expect(o.length).toBe(ref.length)
      o.forEach((v, i) => expect(close(v, ref[i], 1e-9)).toBe(true))
      if (a.ndim === 1 && b.ndim === 1) expect(out.shape).toEqual([])
      if (a.ndim === 2 && b.ndim === 1) expect(out.shape).toEqual([a.shape[0]])
    }), { numRuns: 60, seed: 5 })
  })
})

describe('softmax', () => {
  it('rows sum to 1, logSoftmax = log(softmax), stable for large inputs', () => {
    fc.assert(fc.property(shapeArb({ minDims: 1, maxDims: 3 }).chain((s) => fc.tuple(f64(s), fc.integer({ min: -s.length, max: s.length - 1 }))), ([x, d]) => {
      const y = x.mul(50).softmax(d)
      flat(y.sum(d)).forEach((v) => expect(close(v, 1, 1e-12)).toBe(true))
      const ls = x.mul(50).logSoftmax(d)
      flat(ls.exp()).forEach((v, i) => expect(close(v, flat(y)[i], 1e-9)).toBe(true))
    }), { numRuns: 40, seed: 9 })
    expect(tensor([1000, 0]).softmax(0).toArray()).toEqual([1, 0])
  })
})

describe('shape and indexing ops', () => {
  it('cat, stack, gather, scatterAdd, indexSelect, indexAdd, embedding', () => {
    const a = arange(6).reshape([2, 3])
    expect(cat([a, a], 1).toArray()).toEqual([[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]])
    expect(cat([a.t(), a.t()], 0).shape).toEqual([6, 2])
    expect(stack([a, a], 1).shape).toEqual([2, 2, 3])
    const idx = tensor([[2, 0], [1, 1]], { dtype: 'int32' })
    expect(a.gather(1, idx).toArray()).toEqual([[2, 0], [4, 4]])
    expect(a.t().gather(0, tensor([[1, 0]], { dtype: 'int32' })).toArray()).toEqual([[1, 3]])
    expect(a.mul(0).scatterAdd(1, idx, ones([2, 2])).toArray()).toEqual([[1, 0, 1], [0, 2, 0]])
    const rows = tensor([1, 1, 0], { dtype: 'int32' })
    expect(a.indexSelect(0, rows).toArray()).toEqual([[3, 4, 5], [3, 4, 5], [0, 1, 2]])
    expect(a.mul(0).indexAdd(0, rows, ones([3, 3])).toArray()).toEqual([[1, 1, 1], [2, 2, 2]])
    const w = arange(8).reshape([4, 2])
    const e = w.indexSelect(0, tensor([3, 0], { dtype: 'int32' }))
    expect(e.toArray()).toEqual([[6, 7], [0, 1]])
  })
})
