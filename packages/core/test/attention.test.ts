// scaledDotProductAttention: PyTorch parity (fixtures/torch-attention.json, made by
// fixtures/generate_attention_fixtures.py from PyTorch's composition), the fused
// kernels against the composed ("math") form in float32 and float64, the
// KV-cache form, masks, errors. Gradients of every variant are swept by
// ops-gradcheck / ops-gradgrad (opinfo.ts).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { assertClose } from '../src/testing/index.js'
import {
  DTypeError, Generator, ShapeError, Tensor, ValueError, backendInfo, ones, randn, scaledDotProductAttention, scaledDotProductAttentionMath, tensor, type DType,
} from '../src/index.js'

interface Arr { shape: number[]; data: number[] }
interface Case {
  name: string
  dtype: 'float32' | 'float64'
  layout: 'plain' | 'packed' | 'transposed'
  inputs: Arr[]
  mask?: Arr & { dtype: DType; requiresGrad: boolean }
  opts: { isCausal: boolean; queryOffset: number; scale: number | null; heads: number | null }
  weights: Arr
  output: Arr
  grads: Arr[]
}
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/torch-attention.json', import.meta.url), 'utf8')) as { cases: Case[] }

/** actual equals expected (a tensor, or fixture data with its shape) within tol, NaN-safe (core/testing's assertClose). */
function expectClose(actual: Tensor, expected: Tensor | Arr, tol: number): void {
  expect(actual.shape).toEqual([...expected.shape])
  assertClose(actual, expected instanceof Tensor ? expected : expected.data, { rtol: tol, atol: tol })
}


function run(c: Case): { out: Tensor; leaves: Tensor[]; mask: Tensor | null } {
  const leaves = c.inputs.map((a) => tensor(a.data, { dtype: c.dtype, shape: a.shape, requiresGrad: true }))
  let q: Tensor, k: Tensor, v: Tensor
  if (c.layout === 'packed') {
    const [x] = leaves, [B, T, E3] = x.shape, E = E3 / 3, H = c.opts.heads!
    const heads = (t: Tensor) => t.reshape([B, T, H, E / H]).transpose(1, 2)
    ;[q, k, v] = [heads(x.narrow(2, 0, E)), heads(x.narrow(2, E, E)), heads(x.narrow(2, 2 * E, E))]
  } else if (c.layout === 'transposed') [q, k, v] = leaves.map((t) => t.transpose(-2, -1))
  else [q, k, v] = leaves
  const mask = c.mask ? tensor(c.mask.data.map((d) => (c.mask!.dtype === 'bool' ? d !== 0 : d)), { dtype: c.mask.dtype, shape: c.mask.shape, requiresGrad: c.mask.requiresGrad }) : null
  const out = scaledDotProductAttention(q, k, v, { attnMask: mask, isCausal: c.opts.isCausal, queryOffset: c.opts.queryOffset, scale: c.opts.scale })
  out.mul(tensor(c.weights.data, { dtype: c.dtype, shape: c.weights.shape })).sum().backward()
  return { out, leaves, mask }
}

describe(`scaledDotProductAttention against PyTorch (${backendInfo().name})`, () => {
  for (const c of fixtures.cases) {
    it(c.name, () => {
      const tol = c.dtype === 'float64' ? 1e-10 : 2e-5
      const { out, leaves, mask } = run(c)
      expectClose(out, c.output, tol)
      const got = [...leaves, ...(mask?.requiresGrad ? [mask] : [])].map((t) => t.grad!)
      expect(got.length).toBe(c.grads.length)
      got.forEach((g, i) => expectClose(g, c.grads[i], tol))
    })
  }
})

describe('scaledDotProductAttention: fused kernels against the composed form', () => {
  const gen = new Generator(3)
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: output and gradients, causal with a float mask, strided inputs`, () => {
      const tol = dtype === 'float64' ? 1e-12 : 1e-5
      const mk = (shape: number[]) => randn(shape, { dtype, generator: gen }).requiresGrad_()
      const qkv = mk([2, 7, 3 * 8]), mask = mk([1, 2, 7, 7])
      const heads = (t: Tensor) => t.reshape([2, 7, 2, 4]).transpose(1, 2)
      const grads = (fused: boolean) => {
        const [q, k, v] = [0, 1, 2].map((i) => heads(qkv.narrow(2, 8 * i, 8)))
        const opts = { attnMask: mask, isCausal: true }
        const out = fused ? scaledDotProductAttention(q, k, v, opts) : scaledDotProductAttentionMath(q, k, v, opts).output
        qkv.grad = null; mask.grad = null
        out.square().sum().backward()
        return [out.detach(), qkv.grad!, mask.grad!]
      }
      const a = grads(true), b = grads(false)
      a.forEach((t, i) => expectClose(t, b[i], tol))
    })
  }

  it('the gradient of the output is laid out like the heads of a packed projection (no copy back)', () => {
    const x = randn([2, 3, 12], { generator: gen })
    const q = x.reshape([2, 3, 2, 6]).transpose(1, 2)
    const out = scaledDotProductAttention(q, q, q)
    // memory [B, L, H, D]: transpose(1, 2) then reshape to [B, L, H * D] is a view
    expect(out.transpose(1, 2).isContiguous()).toBe(true)
  })

  it('heads of one tensor get their gradients through it, and a view with retainGrad still gets its own', () => {
    const x = randn([2, 3, 12], { generator: gen }).requiresGrad_()
    const heads = (i: number) => x.narrow(2, 4 * i, 4).reshape([2, 3, 2, 2]).transpose(1, 2)
    const run = (retain: boolean) => {
      x.grad = null
      const [q, k, v] = [heads(0), heads(1), heads(2)]
      if (retain) q.retainGrad()
      scaledDotProductAttention(q, k, v, { isCausal: true }).square().sum().backward()
      return { gx: x.grad!, gq: q.grad }
    }
    const direct = run(false), retained = run(true)
    expectClose(direct.gx, retained.gx, 1e-6)
    expect(retained.gq?.shape).toEqual([2, 2, 3, 2])
    expectClose(retained.gq!, direct.gx.narrow(2, 0, 4).reshape([2, 3, 2, 2]).transpose(1, 2), 1e-6)
  })

  it('a bool mask equals the additive mask 0 / -inf; dropoutP 1 zeroes the output', () => {
    const q = randn([2, 3, 4], { generator: gen }), k = randn([2, 5, 4], { generator: gen }), v = randn([2, 5, 2], { generator: gen })
    const bits = [1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0]
    const keep = tensor(bits.map(Boolean), { dtype: 'bool', shape: [3, 5] })
    const additive = tensor(bits.map((b) => (b ? 0 : -Infinity)), { shape: [3, 5] })
    const a = scaledDotProductAttention(q, k, v, { attnMask: keep }), b = scaledDotProductAttention(q, k, v, { attnMask: additive })
    expectClose(a, b, 0)
    const d = scaledDotProductAttention(q, k, v, { dropoutP: 1 }).contiguousData()
    expect(Array.from(d).every((x) => x === 0)).toBe(true)
  })
})

describe('scaledDotProductAttention: the KV-cache form', () => {
  it('new query rows against a longer cache (causal, queryOffset) give the last rows of full causal attention', () => {
    const gen = new Generator(5)
    const q = randn([1, 2, 9, 4], { generator: gen }), k = randn([1, 2, 9, 4], { generator: gen }), v = randn([1, 2, 9, 4], { generator: gen })
    const full = scaledDotProductAttention(q, k, v, { isCausal: true })
    // a cache buffer of 16 positions holding 9: k and v are strided views of it
    const kBuf = randn([1, 2, 16, 4], { generator: gen }), vBuf = randn([1, 2, 16, 4], { generator: gen })
    kBuf.narrow(2, 0, 9).copy_(k); vBuf.narrow(2, 0, 9).copy_(v)
    for (const rows of [1, 3]) {
      const part = scaledDotProductAttention(q.narrow(2, 9 - rows, rows), kBuf.narrow(2, 0, 9), vBuf.narrow(2, 0, 9), { isCausal: true, queryOffset: 9 - rows })
      expectClose(part, full.narrow(2, 9 - rows, rows), 1e-6)
    }
  })
})

describe('scaledDotProductAttention: bad input', () => {
  const q = ones([2, 3, 4]), k = ones([2, 5, 4]), v = ones([2, 5, 6])
  it('throws typed errors naming the op and what it got', () => {
    expect(() => scaledDotProductAttention(q, ones([2, 5, 3]), v)).toThrow(ShapeError)
    expect(() => scaledDotProductAttention(q, k, ones([2, 4, 6]))).toThrow(/scaledDotProductAttention: key \[2,5,4\] and value \[2,4,6\]/)
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: ones([4, 5]) })).toThrow(/attnMask of shape \[4,5\] does not broadcast/)
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: ones([3, 5], { dtype: 'int32' }) })).toThrow(DTypeError)
    expect(() => scaledDotProductAttention(q, k.to('float64'), v)).toThrow(DTypeError)
    expect(() => scaledDotProductAttention(q, k, v, { dropoutP: 2 })).toThrow(ValueError)
    expect(() => scaledDotProductAttention(q, k, v, { queryOffset: 0.5 })).toThrow(ValueError)
    expect(() => scaledDotProductAttention(ones([4]), k, v)).toThrow(/query must have at least 2 dims/)
  })
})
