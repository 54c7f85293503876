// linearGelu (ops/linear-gelu.ts): the fused op against linear followed by gelu
// (values and gradients, random shapes), its kernel rule against its composed
// rule, the bias-GELU and column-sum reference kernels, and its errors.
// Gradcheck/gradgradcheck: opinfo.ts; PyTorch values: torch-parity.test.ts.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DTypeError, ShapeError, ValueError, full, linear, linearGelu, manualSeed, noGrad, randn, referenceBackend, releaseBuffer, tensor, type Tensor } from '../src/index.js'
import { compareClose } from '../src/testing/index.js'

const close = (got: Tensor | null | undefined, want: Tensor | null | undefined, tol: number) =>
  compareClose(got!.contiguousData(), want!.contiguousData(), { atol: tol, rtol: tol }).message

describe('linearGelu', () => {
  it('equals linear followed by gelu, values and gradients, over random shapes', () => {
    fc.assert(fc.property(
      fc.record({
        lead: fc.constantFrom([], [2], [2, 3]), inF: fc.integer({ min: 1, max: 20 }), outF: fc.integer({ min: 1, max: 40 }),
        bias: fc.boolean(), approximate: fc.constantFrom('none' as const, 'tanh' as const), dtype: fc.constantFrom('float32' as const, 'float64' as const), seed: fc.nat(1000),
      }),
      ({ lead, inF, outF, bias, approximate, dtype, seed }) => {
        manualSeed(seed)
        const x = randn([...lead, 3, inF], { dtype }).mul(2).detach().requiresGrad_(), w = randn([outF, inF], { dtype }).requiresGrad_()
        const b = bias ? randn([outF], { dtype }).requiresGrad_() : null
        const g = randn([...lead, 3, outF], { dtype })
        const y = linearGelu(x, w, b, { approximate })
        y.backward(g)
        const got = [y, x.grad, w.grad, b?.grad]
        x.grad = null; w.grad = null; if (b) b.grad = null
        const want = linear(x, w, b).gelu({ approximate })
        want.backward(g)
        const tol = dtype === 'float32' ? 1e-5 : 1e-12
        expect(y.shape).toEqual([...lead, 3, outF])
        expect(close(got[0], want, tol)).toBe('')
        expect(close(got[1], x.grad, tol)).toBe('')
        expect(close(got[2], w.grad, tol)).toBe('')
        if (b) expect(close(got[3], b.grad, tol)).toBe('')
      },
    ), { numRuns: 40 })
  })

  it('without a graph (its pre-activation computed in the output buffer) gives the same values', () => {
    fc.assert(fc.property(
      fc.record({ rows: fc.integer({ min: 1, max: 9 }), inF: fc.integer({ min: 1, max: 20 }), outF: fc.integer({ min: 1, max: 70 }), bias: fc.boolean(), approximate: fc.constantFrom('none' as const, 'tanh' as const), dtype: fc.constantFrom('float32' as const, 'float64' as const), seed: fc.nat(1000) }),
      ({ rows, inF, outF, bias, approximate, dtype, seed }) => {
        manualSeed(seed)
        const x = randn([rows, inF], { dtype }).mul(2), w = randn([outF, inF], { dtype }), b = bias ? randn([outF], { dtype }) : null
        const y = noGrad(() => linearGelu(x, w, b, { approximate }))
        expect(y.requiresGrad).toBe(false)
        expect(close(y, linear(x, w, b).gelu({ approximate }), dtype === 'float32' ? 1e-5 : 1e-12)).toBe('')
      },
    ), { numRuns: 30, seed: 1128 })
  })

  it('the kernel rule (ordinary backward) and the composed rule (createGraph) give the same gradients', () => {
    manualSeed(7)
    for (const approximate of ['none', 'tanh'] as const) {
      const x = randn([2, 5, 6], { dtype: 'float64' }).requiresGrad_(), w = randn([9, 6], { dtype: 'float64' }).requiresGrad_(), b = randn([9], { dtype: 'float64' }).requiresGrad_()
      const g = randn([2, 5, 9], { dtype: 'float64' })
      linearGelu(x, w, b, { approximate }).backward(g)
      const kernel = [x.grad!, w.grad!, b.grad!]
      x.grad = null; w.grad = null; b.grad = null
      linearGelu(x, w, b, { approximate }).backward(g, { createGraph: true })
      expect(x.grad!.requiresGrad).toBe(true) // the composed rule ran
      for (const [k, c] of [[kernel[0], x.grad], [kernel[1], w.grad], [kernel[2], b.grad]] as const) expect(close(k, c, 1e-12)).toBe('')
    }
  })

  it('handles no rows and no input features as linear then gelu does (values and gradients)', () => {
    for (const [xs, inF] of [[[0, 3], 3], [[2, 0, 3], 3], [[4, 0], 0]] as const) {
      const leaves = () => [randn([...xs], { dtype: 'float64' }), randn([5, inF], { dtype: 'float64' }), randn([5], { dtype: 'float64' })]
      manualSeed(3)
      const [x, w, b] = leaves().map((t) => t.requiresGrad_())
      manualSeed(3)
      const [x2, w2, b2] = leaves().map((t) => t.requiresGrad_())
      const y = linearGelu(x!, w!, b!), want = linear(x2!, w2!, b2!).gelu()
      expect(y.shape).toEqual(want.shape)
      expect(close(y, want, 1e-12)).toBe('')
      y.sum().backward()
      want.sum().backward()
      for (const [got, ref] of [[x, x2], [w, w2], [b, b2]] as const) {
        expect(got!.grad!.shape).toEqual(ref!.grad!.shape)
        expect(close(got!.grad, ref!.grad, 1e-12)).toBe('')
      }
    }
  })

  it('writes its product into a fresh buffer: a reused pool buffer\'s old contents do not leak in', () => {
    // 32 x 32 outputs: the pool keeps arrays of 1024 elements and more
    const x = randn([32, 8], { dtype: 'float64' }), w = randn([32, 8], { dtype: 'float64' }), b = randn([32], { dtype: 'float64' })
    for (const bias of [b, null]) {
      const want = linear(x, w, bias).gelu()
      // pool buffers of the output's size, full of junk
      for (let k = 0; k < 4; k++) expect(releaseBuffer(full([1024], 1e6, { dtype: 'float64' }))).toBe(true)
      expect(close(linearGelu(x, w, bias), want, 1e-12)).toBe('')
    }
  })

  it('is one node named linearGelu that saves its operands: changing one in place makes backward refuse', () => {
    for (const which of [0, 1, 2]) {
      const x = randn([3, 4], { requiresGrad: true }), w = randn([5, 4], { requiresGrad: true }), b = randn([5], { requiresGrad: true })
      const xs = x.detach(), ws = w.detach(), bs = b.detach()
      const y = linearGelu(x, w, b)
      expect(y.gradFn!.op).toBe('linearGelu')
      noGrad(() => [xs, ws, bs][which].add_(1))
      expect(() => y.sum().backward()).toThrow(/modified by an in-place operation/)
    }
  })

  it('gives no gradient to what does not require one', () => {
    const x = randn([4, 3]), w = randn([5, 3]).requiresGrad_(), b = randn([5])
    linearGelu(x, w, b).sum().backward()
    expect(w.grad!.shape).toEqual([5, 3])
    expect(x.grad).toBeNull()
    expect(b.grad).toBeNull()
    expect(linearGelu(randn([2, 3]), randn([4, 3])).requiresGrad).toBe(false)
  })

  it('rejects bad arguments with typed errors naming the op', () => {
    const x = randn([4, 3]), w = randn([5, 3])
    expect(() => linearGelu(x, randn([5, 2]))).toThrow(ShapeError)
    expect(() => linearGelu(x, randn([5, 2]))).toThrow(/^linearGelu: input of shape \[4,3\] does not match weight \[5,2\]/)
    expect(() => linearGelu(x, randn([15]))).toThrow(/^linearGelu: weight must be 2-D/)
    expect(() => linearGelu(x, w, randn([4]))).toThrow(/^linearGelu: bias must have shape \[5\], got \[4\]/)
    expect(() => linearGelu(x, w, null, { approximate: 'fast' as never })).toThrow(new ValueError(`linearGelu: approximate must be 'none' or 'tanh', got "fast"`))
    expect(() => linearGelu(tensor([[1, 2, 3]], { dtype: 'int32' }), tensor([[1, 2, 3]], { dtype: 'int32' }))).toThrow(DTypeError)
    expect(() => linearGelu([1, 2, 3] as never, w)).toThrow(/^linearGelu/)
  })
})

describe('reference kernels: biasGelu, biasGeluBackward, columnSums', () => {
  const ref = referenceBackend()
  it('biasGelu adds the bias per row (in place too) and biasGeluBackward sums the bias gradient in float64', () => {
    const rows = 3, cols = 4
    const x = Float64Array.from({ length: 12 }, (_, i) => i / 3 - 2), b = Float64Array.from([0.5, -1, 0, 2])
    const pre = new Float64Array(12), y = new Float64Array(12), want = new Float64Array(12)
    ref.biasGelu(x, b, pre, y, rows, cols, false)
    for (let i = 0; i < 12; i++) expect(pre[i]).toBe(x[i]! + b[i % cols]!)
    ref.gelu(pre, want, 12, false)
    expect([...y]).toEqual([...want])
    const inPlace = x.slice()
    ref.biasGelu(inPlace, b, inPlace, y, rows, cols, true)
    expect([...inPlace]).toEqual([...pre])
    const gy = Float64Array.from({ length: 12 }, (_, i) => Math.cos(i)), gx = new Float64Array(12), gb = new Float64Array(cols), gwant = new Float64Array(12)
    ref.biasGeluBackward(pre, gy, gx, gb, rows, cols, false)
    ref.geluBackward(pre, gy, gwant, 12, false)
    expect([...gx]).toEqual([...gwant])
    for (let c = 0; c < cols; c++) expect(gb[c]).toBeCloseTo(gx[c]! + gx[c + 4]! + gx[c + 8]!, 14)
  })

  it('columnSums reads a block at an offset, any dtype, float64 sums', () => {
    const x = Int32Array.from([9, 9, 1, 2, 3, 4, 5, 6])
    const out = new Int32Array(2)
    ref.columnSums(x, 2, out, 3, 2)
    expect([...out]).toEqual([9, 12])
    // float32: 1 + 1e-8 + ... stays exact in float64 before the one rounding
    const f = Float32Array.from([1, 3e-8, 3e-8, 3e-8]), o = new Float32Array(1)
    ref.columnSums(f, 0, o, 4, 1)
    expect(o[0]).toBe(Math.fround(1 + 3 * Math.fround(3e-8)))
  })
})
