// Reductions: empty dims, int inputs, what they record, and errors naming the op;
// the cases mutation testing found unchecked by the OpInfo sweeps (float64, no empty dims).
import { describe, expect, it } from 'vitest'
import { ValueError, amax, amin, argmax, argmin, logsumexp, max, mean, min, prod, std, sum, tensor, var as variance, zeros, type Tensor } from '../src/index.js'

const ints = (xs: number[]) => tensor(xs, { dtype: 'int32' })

describe('reductions over an empty dim', () => {
  const e = zeros([2, 0])

  it('sum gives 0, prod 1, mean NaN (as PyTorch)', () => {
    expect(sum(e, 1).toArray()).toEqual([0, 0])
    expect(prod(e, 1).toArray()).toEqual([1, 1])
    expect((mean(e, 1).toArray() as number[]).every(Number.isNaN)).toBe(true)
    expect(sum(e, 0).shape).toEqual([0])
  })

  it('max, min, argmax and argmin refuse it, naming the op, the shape and the dims', () => {
    expect(() => amax(e, 1)).toThrow(ValueError)
    expect(() => amax(e, 1)).toThrow(/^max: cannot reduce over an empty dim \(shape \[2, ?0\], dims \[1\]\)/)
    expect(() => amin(e, 1)).toThrow(/^min: cannot reduce over an empty dim/)
    expect(() => argmax(e, 1)).toThrow(/^argmax: cannot reduce over an empty dim/)
    expect(() => argmin(e, 1)).toThrow(/^argmin: cannot reduce over an empty dim/)
    expect(() => max(e)).toThrow(/cannot reduce over an empty dim/)
  })
})

describe('reductions of int32 tensors', () => {
  it('sum and prod stay int32; mean is float32', () => {
    const x = ints([2, 3, 4])
    expect([sum(x).dtype, sum(x).item()]).toEqual(['int32', 9])
    expect([prod(x).dtype, prod(x).item()]).toEqual(['int32', 24])
    expect([mean(x).dtype, mean(x).item()]).toEqual(['float32', 3])
    expect(amax(x).dtype).toBe('int32')
  })

  it('sum of bools counts the true elements', () => {
    const b = tensor([[true, false], [true, true]])
    expect(sum(b, 0).toArray()).toEqual([2, 1])
    expect(sum(b).dtype).toBe('int32')
  })
})

describe('what reductions record', () => {
  it('a node only for a float input that needs a gradient, named after the op', () => {
    const plain = tensor([1, 2, 3])
    for (const y of [sum(plain), prod(plain), amax(plain), amin(plain), sum(ints([1])), prod(ints([1])), amax(ints([1]))]) expect(y.requiresGrad).toBe(false)
    const x = tensor([1, 2, 3], { requiresGrad: true })
    expect([sum(x).gradFn?.op, prod(x).gradFn?.op, amax(x).gradFn?.op, amin(x).gradFn?.op, max(x).gradFn?.op, min(x).gradFn?.op]).toEqual(['sum', 'prod', 'amax', 'amin', 'amax', 'amin'])
  })

  it("sum over the leading dims of a strided view (the bias-gradient path is only for contiguous tensors)", () => {
    const x = tensor([[1, 2], [3, 4]]).t() // [[1, 3], [2, 4]]
    expect(sum(x, 0).toArray()).toEqual([3, 7])
    const y = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]).narrow(2, 1, 1) // offset 1, stride 2
    expect(sum(y, [0, 1]).toArray()).toEqual([20])
    expect(sum(tensor([1, 2, 3, 4, 5, 6]).narrow(0, 2, 4).reshape([2, 2]), 0).toArray()).toEqual([8, 10])
  })
})

describe('errors name the op', () => {
  const x = tensor([[1, 2], [3, 4]])
  const cases: Array<[string, (t: Tensor, dim: number) => unknown]> = [
    ['sum', (t, d) => sum(t, d)], ['mean', (t, d) => mean(t, d)], ['prod', (t, d) => prod(t, d)],
    ['amax', (t, d) => amax(t, d)], ['amin', (t, d) => amin(t, d)], ['argmax', (t, d) => argmax(t, d)], ['argmin', (t, d) => argmin(t, d)],
    ['max', (t, d) => max(t, d)], ['min', (t, d) => min(t, d)], ['logsumexp', (t, d) => logsumexp(t, d)],
    ['var', (t, d) => variance(t, d)], ['var', (t, d) => std(t, d)],
  ]
  it('a dim out of range', () => {
    for (const [name, f] of cases) expect(() => f(x, 2), name).toThrow(new RegExp(`^${name}: `))
  })

  it('a non-tensor input', () => {
    for (const [name, f] of cases) {
      if (name === 'max' || name === 'min') continue // they index its shape first
      expect(() => f(5 as never, 0), name).toThrow(new RegExp(`^${name}: input must be a Tensor, got number`))
    }
  })
})
