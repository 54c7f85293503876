// ops/dropout.ts: torch.nn.functional.dropout's semantics. Each element is zeroed with
// probability p (a uniform draw below p) and the rest scaled by 1 / (1 - p); the gradient
// is the upstream gradient times the same mask.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DTypeError, Generator, ValueError, dropout, gradcheck, gradgradcheck, noGrad, ones, randn, tensor, type Tensor } from '../src/index.js'
import { assertClose, isClose } from '../src/testing/index.js'

/** What dropout(x, p) must give with a generator seeded `seed`: the draws in element order. */
function expected(x: Tensor, p: number, seed: number): number[] {
  const g = new Generator(seed)
  const scale = 1 / (1 - p)
  return (x.toArray() as number[]).map((v) => (g.uniform() < p ? 0 : v * scale))
}

describe('dropout', () => {
  it('zeroes the elements whose draw is below p and scales the rest by 1 / (1 - p)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (n, p, seed) => {
        const x = randn([n], { dtype: 'float64' })
        const out = dropout(x, p, true, { generator: new Generator(seed) })
        expect(out.shape).toEqual([n])
        expect(out.dtype).toBe('float64')
        assertClose(out, expected(x, p, seed), { rtol: 1e-12, atol: 0 })
      }),
      { seed: 1901, numRuns: 60 },
    )
  })

  it('defaults to p = 0.5 in training, with the global generator', () => {
    const out = dropout(ones([2000])).toArray() as number[]
    expect(out.every((v) => v === 0 || v === 2)).toBe(true)
    const zeros = out.filter((v) => v === 0).length
    // 2000 draws at p = 0.5: 1000 +- 22 (one standard deviation); 6 sigma either way
    expect(zeros).toBeGreaterThan(870)
    expect(zeros).toBeLessThan(1130)
  })

  it('the same seed gives the same mask; another seed another one', () => {
    const x = ones([64])
    const a = dropout(x, 0.3, true, { generator: new Generator(5) }).toArray()
    const b = dropout(x, 0.3, true, { generator: new Generator(5) }).toArray()
    const c = dropout(x, 0.3, true, { generator: new Generator(6) }).toArray()
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
  })

  it('takes exactly one draw per element from the generator, so what follows stays reproducible', () => {
    const g = new Generator(21), fresh = new Generator(21)
    dropout(ones([2, 5]), 0.5, true, { generator: g })
    for (let i = 0; i < 10; i++) fresh.uniform()
    expect(g.uniform()).toBe(fresh.uniform())
  })

  it('is the identity (the input itself) outside training or at p = 0', () => {
    const x = randn([3, 4])
    expect(dropout(x, 0.5, false)).toBe(x)
    expect(dropout(x, 0)).toBe(x)
    expect(dropout(x, 0, true)).toBe(x)
  })

  it('p = 1 zeroes everything, with no NaN or infinity', () => {
    const x = tensor([1, -2, 3e30, 0])
    // -2 * 0 is -0, as in PyTorch
    expect((dropout(x, 1).toArray() as number[]).every((v) => v === 0)).toBe(true)
  })

  it('works on a strided view, element by element', () => {
    const x = randn([3, 5], { dtype: 'float64' }).transpose(0, 1)
    const out = dropout(x, 0.4, true, { generator: new Generator(11) })
    expect(out.shape).toEqual([5, 3])
    const xs = (x.contiguous().toArray() as number[][]).flat(), os = (out.toArray() as number[][]).flat()
    os.forEach((v, i) => expect(v === 0 || isClose(v, xs[i] / 0.6, 1e-12, 0)).toBe(true))
    expect(os.some((v) => v !== 0)).toBe(true)
  })

  it('refuses a probability outside [0, 1], NaN or a non-number', () => {
    for (const p of [-0.1, 1.5, Number.NaN, '0.5' as any]) {
      expect(() => dropout(ones([2]), p)).toThrow(new ValueError(`dropout: probability must be between 0 and 1, got ${p}`))
    }
    expect(() => dropout(null as any)).toThrow(/dropout: input must be a Tensor, got null/)
    expect(() => dropout(tensor([1, 2], { dtype: 'int32' }))).toThrow(new DTypeError('dropout: input must be float32 or float64, got int32'))
  })

  it('backward multiplies the gradient by the same mask', () => {
    const x = randn([50], { dtype: 'float64', requiresGrad: true })
    const out = dropout(x, 0.25, true, { generator: new Generator(3) })
    const g = randn([50], { dtype: 'float64' })
    out.backward(g)
    const mask = expected(ones([50], { dtype: 'float64' }), 0.25, 3)
    const gs = g.toArray() as number[]
    assertClose(x.grad!, mask.map((m, i) => m * gs[i]), { rtol: 1e-12, atol: 0 })
    expect(out.gradFn?.op).toBe('dropout')
  })

  it('passes gradcheck and gradgradcheck with a fixed mask', () => {
    const x = randn([4, 3], { dtype: 'float64', requiresGrad: true })
    const f = (t: Tensor) => dropout(t, 0.3, true, { generator: new Generator(9) })
    expect(gradcheck(f, [x])).toBe(true)
    expect(gradgradcheck(f, [x])).toBe(true)
  })

  it('records no node for an input that needs no gradient, or under noGrad', () => {
    expect(dropout(randn([4]), 0.5).gradFn).toBeNull()
    const x = randn([4], { requiresGrad: true })
    expect(noGrad(() => dropout(x, 0.5)).gradFn).toBeNull()
  })
})
