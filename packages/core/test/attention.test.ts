// scaledDotProductAttention: PyTorch parity (fixtures/torch-attention.json, made by
// fixtures/generate_attention_fixtures.py from PyTorch's composition), the fused
// kernels against the composed ("math") form in float32 and float64, the
// KV-cache form, masks, errors. Gradients of every variant are swept by
// ops-gradcheck / ops-gradgrad (opinfo.ts); here, the fused form's gradients on each
// of its paths (q/k/v written into their packed base or not, layouts, createGraph,
// pooled buffers), the options' defaults and each error message (what mutation
// testing of ops/attention.ts showed no test held).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { assertClose } from '../src/testing/index.js'
import {
  DTypeError, Generator, ShapeError, Tensor, ValueError, autogradGrad, backendInfo, dropout, ones, poolStats, randn, scaledDotProductAttention, scaledDotProductAttentionMath, setPoolOptions, tensor,
  type DType, type SdpaOptions,
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

  it('each message says which argument is wrong and how', () => {
    const op = (rest: string) => new RegExp(`^scaledDotProductAttention: ${rest}`)
    expect(() => scaledDotProductAttention(q, k.to('float64'), v)).toThrow(op('query, key and value must have the same dtype, got float32, float64 and float32'))
    expect(() => scaledDotProductAttention(q, k, v.to('float64'))).toThrow(op('query, key and value must have the same dtype, got float32, float32 and float64'))
    expect(() => scaledDotProductAttention(q, ones([2, 5, 3]), v)).toThrow(op('query \\[2,3,4\\] and key \\[2,5,3\\] must have the same last dim'))
    for (const p of [2, 1.5, -0.1, Number.NaN, '0.5' as unknown as number]) {
      expect(() => scaledDotProductAttention(q, k, v, { dropoutP: p })).toThrow(op(`dropoutP must be in \\[0, 1\\], got ${p}`))
    }
    for (const s of [Infinity, -Infinity, Number.NaN, '2' as unknown as number]) {
      expect(() => scaledDotProductAttention(q, k, v, { scale: s })).toThrow(op(`scale must be a finite number, got ${s}`))
    }
    expect(() => scaledDotProductAttention(q, k, v, { queryOffset: 0.5 })).toThrow(op('queryOffset must be an integer, got 0.5'))
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: [[1]] as unknown as Tensor })).toThrow(op('attnMask must be a Tensor, got object'))
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: ones([3, 5], { dtype: 'int32' }) })).toThrow(op('attnMask must be bool or float, got int32'))
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: ones([2, 2, 3, 5]) })).toThrow(op('attnMask of shape \\[2,2,3,5\\] does not broadcast'))
    expect(() => scaledDotProductAttentionMath(q, ones([2, 5, 3]), v)).toThrow(/^scaledDotProductAttentionMath: query \[2,3,4\]/)
    // the ends of the ranges are valid
    for (const opts of [{ dropoutP: 0 }, { dropoutP: 1 }, { scale: 0 }, { queryOffset: -2, isCausal: true }]) {
      expect(scaledDotProductAttention(q, k, v, opts).shape).toEqual([2, 3, 6])
    }
  })
})

describe('scaledDotProductAttention: options and their defaults', () => {
  const gen = new Generator(17)
  const q = randn([2, 3, 4], { generator: gen }), k = randn([2, 5, 4], { generator: gen }), v = randn([2, 5, 2], { generator: gen })
  /** softmax(scale q k^T + mask) v written out with Tensor ops: the reference for the defaults. */
  const reference = (scale: number, mask: Tensor | null = null) => {
    let s = q.matmul(k.transpose(-2, -1)).mul(scale)
    if (mask) s = s.add(mask)
    return s.softmax(-1).matmul(v)
  }

  it('no options: not causal, scale 1 / sqrt(E), in both forms', () => {
    const want = reference(1 / 2)
    expectClose(scaledDotProductAttention(q, k, v), want, 1e-6)
    expectClose(scaledDotProductAttentionMath(q, k, v).output, want, 1e-6)
    expectClose(scaledDotProductAttention(q, k, v, { scale: 0.3 }), reference(0.3), 1e-6)
  })

  it('the math form with a mask and without isCausal adds the mask only', () => {
    const mask = randn([3, 5], { generator: gen })
    expectClose(scaledDotProductAttentionMath(q, k, v, { attnMask: mask }).output, reference(1 / 2, mask), 1e-6)
    expectClose(scaledDotProductAttentionMath(q, k, v, { attnMask: mask }).weights, q.matmul(k.transpose(-2, -1)).mul(1 / 2).add(mask).softmax(-1), 1e-6)
  })

  it('a float64 mask on float32 inputs is cast, and its gradient comes back in float64', () => {
    const m64 = randn([3, 5], { dtype: 'float64', generator: gen }).requiresGrad_()
    const m32 = m64.detach().to('float32').requiresGrad_()
    const a = scaledDotProductAttention(q, k, v, { attnMask: m64 }), b = scaledDotProductAttention(q, k, v, { attnMask: m32 })
    expect(a.dtype).toBe('float32')
    expectClose(a, b, 0)
    a.square().sum().backward(); b.square().sum().backward()
    expect(m64.grad!.dtype).toBe('float64')
    expectClose(m64.grad!.to('float32'), m32.grad!, 1e-7)
  })

  it('dropout draws from the generator it is given: the same seed, the same output', () => {
    const run = (seed: number) => scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(seed) })
    const a = run(11), b = run(11), c = run(12)
    expectClose(a, b, 0)
    expect(a.sub(c).abs().max().item()).toBeGreaterThan(0)
    // the weights of the math form, dropped with the same draws
    const weights = scaledDotProductAttentionMath(q, k, v).weights
    expectClose(a, dropout(weights, 0.5, true, { generator: new Generator(11) }).matmul(v), 1e-6)
  })

  it('no input requires grad: no node is recorded', () => {
    const out = scaledDotProductAttention(q, k, v, { attnMask: randn([3, 5], { generator: gen }) })
    expect(out.requiresGrad).toBe(false)
    expect(out.gradFn).toBe(null)
  })
})

describe('scaledDotProductAttention: gradients of the fused form on every path', () => {
  const gen = new Generator(23)
  /** The fused form's and the math form's output and gradients of `leaves` (loss: sum of squares of the output). */
  const both = (leaves: Tensor[], f: (fused: boolean) => Tensor) => [true, false].map((fused) => {
    for (const t of leaves) t.grad = null
    const out = f(fused)
    out.square().sum().backward()
    return [out.detach(), ...leaves.map((t) => t.grad!)]
  })
  const sdpa = (fused: boolean, q: Tensor, k: Tensor, v: Tensor, opts: SdpaOptions = {}) =>
    fused ? scaledDotProductAttention(q, k, v, opts) : scaledDotProductAttentionMath(q, k, v, opts).output
  const expectSameGrads = (leaves: Tensor[], f: (fused: boolean) => Tensor) => {
    const [a, b] = both(leaves, f)
    a.forEach((t, i) => expectClose(t, b[i], 1e-5))
  }
  /** The H heads of one packed [B, T, 3 H D] projection: q, k, v are views of it. */
  const packedHeads = (x: Tensor, H: number) => {
    const [B, T, E3] = x.shape, E = E3 / 3
    return [0, 1, 2].map((i) => x.narrow(2, i * E, E).reshape([B, T, H, E / H]).transpose(1, 2))
  }

  it('heads of one projection: one node whose input is the projection itself', () => {
    const x = randn([2, 3, 12], { generator: gen }).requiresGrad_()
    const [q, k, v] = packedHeads(x, 2)
    const out = scaledDotProductAttention(q, k, v)
    expect(out.gradFn!.inputs.length).toBe(2)
    expect(out.gradFn!.inputs[0]).toBe(x)
    expectSameGrads([x], (fused) => sdpa(fused, ...(packedHeads(x, 2) as [Tensor, Tensor, Tensor])))
  })

  it('a hook on one head sees that head\'s gradient; the heads then go back separately', () => {
    const x = randn([2, 3, 12], { generator: gen }).requiresGrad_()
    const seen: Tensor[] = []
    const run = (hook: boolean) => {
      x.grad = null
      const [q, k, v] = packedHeads(x, 2)
      if (hook) k.registerHook((g) => { seen.push(g.clone()) })
      const out = scaledDotProductAttention(q, k, v)
      expect(out.gradFn!.inputs[0]).toBe(hook ? q : x)
      out.square().sum().backward()
      return x.grad!
    }
    const direct = run(false), hooked = run(true)
    expectClose(hooked, direct, 1e-6)
    expect(seen.length).toBe(1)
    expectClose(seen[0], direct.narrow(2, 4, 4).reshape([2, 3, 2, 2]).transpose(1, 2), 1e-6)
  })

  it('q, k and v the same view of one tensor (self-attention): the three gradients add up', () => {
    const x = randn([2, 3, 8], { generator: gen }).requiresGrad_()
    const head = () => x.narrow(2, 2, 4).reshape([2, 3, 2, 2]).transpose(1, 2)
    expectSameGrads([x], (fused) => { const h = head(); return sdpa(fused, h, h, h) })
  })

  it('a base stored at an offset, a base not contiguous, and heads read with a column stride', () => {
    const atOffset = randn([4, 3, 12], { generator: gen }).narrow(0, 1, 2).requiresGrad_()
    expect(atOffset.offset).toBeGreaterThan(0)
    expectSameGrads([atOffset], (fused) => sdpa(fused, ...(packedHeads(atOffset, 2) as [Tensor, Tensor, Tensor])))
    // [2, 3, 12] with strides [12, 24, 1]: rows of a head are not where a contiguous base would have them
    const strided = randn([3, 2, 12], { generator: gen }).transpose(0, 1).requiresGrad_()
    expect(strided.isContiguous()).toBe(false)
    expectSameGrads([strided], (fused) => sdpa(fused, strided.narrow(2, 0, 4), strided.narrow(2, 4, 4), strided.narrow(2, 8, 4)))
    const x = randn([2, 4, 9], { generator: gen }).requiresGrad_()
    expectSameGrads([x], (fused) => sdpa(fused, ...([0, 1, 2].map((i) => x.narrow(2, 3 * i, 3).transpose(-2, -1)) as [Tensor, Tensor, Tensor])))
  })

  it('heads broadcast over a batch dim, and three batch dims that reshape to 4-D by copying', () => {
    const x = randn([2, 3, 12], { generator: gen }).requiresGrad_()
    expectSameGrads([x], (fused) => sdpa(fused, ...([0, 1, 2].map((i) => x.narrow(2, 4 * i, 4).unsqueeze(1).expand([2, 3, 3, 4])) as [Tensor, Tensor, Tensor])))
    // [3, 2, 2, 5, 12] -> q [2, 3, 2, 5, 4]: merging the transposed batch dims copies
    const y = randn([3, 2, 2, 5, 12], { generator: gen }).requiresGrad_()
    expectSameGrads([y], (fused) => sdpa(fused, ...([0, 1, 2].map((i) => y.narrow(4, 4 * i, 4).transpose(0, 1)) as [Tensor, Tensor, Tensor])))
  })

  it('only some inputs require grad: the others get none', () => {
    const q = randn([2, 2, 3, 4], { generator: gen }), k = randn([2, 2, 5, 4], { generator: gen }).requiresGrad_(), v = randn([2, 2, 5, 3], { generator: gen }).requiresGrad_()
    expectSameGrads([k, v], (fused) => sdpa(fused, q, k, v, { isCausal: true }))
    expect(q.grad).toBe(null)
    const q2 = q.detach().requiresGrad_(), v2 = v.detach()
    expectSameGrads([q2], (fused) => sdpa(fused, q2, k.detach(), v2))
  })

  it('the output and its gradients are laid out like plain [B, H, L, D] inputs when heads are not interleaved', () => {
    const q = randn([2, 2, 3, 4], { generator: gen }).requiresGrad_(), k = randn([2, 2, 5, 4], { generator: gen }).requiresGrad_(), v = randn([2, 2, 5, 4], { generator: gen }).requiresGrad_()
    const out = scaledDotProductAttention(q, k, v)
    expect(out.isContiguous()).toBe(true)
    // one query head broadcast against two key heads (stride 0): still a plain layout
    expect(scaledDotProductAttention(q.narrow(1, 0, 1), k, v).isContiguous()).toBe(true)
    out.sum().backward()
    for (const t of [q, k, v]) expect(t.grad!.isContiguous()).toBe(true)
  })

  it('a saved input modified in place after the forward makes backward throw', () => {
    const q = randn([2, 3, 4], { generator: gen }).requiresGrad_(), k = randn([2, 5, 4], { generator: gen }), v = randn([2, 5, 4], { generator: gen })
    const out = scaledDotProductAttention(q, k, v)
    k.mul_(2)
    expect(() => out.sum().backward()).toThrow(/modified by an in-place operation/)
    // a learned mask is saved too
    const mask = randn([3, 5], { generator: gen }).requiresGrad_()
    const out2 = scaledDotProductAttention(q, k, v, { attnMask: mask })
    mask.detach().mul_(2)
    expect(() => out2.sum().backward()).toThrow(/modified by an in-place operation/)
  })

  it('gradient buffers taken from the pool are written, not added to (their old contents never leak in)', () => {
    const saved = setPoolOptions({ poison: true, maxBytes: 2 ** 24 })
    try {
      // [1, 2, 32, 16]: 1024 elements, a pooled size; the gradients of mul(3)'s and mul(2)'s outputs
      // go back to the pool poisoned (NaN) before attention's backward takes buffers of that size
      const [q, k, v] = [0, 1, 2].map(() => randn([1, 2, 32, 16], { generator: gen }).requiresGrad_())
      const grads = () => {
        for (const t of [q, k, v]) t.grad = null
        scaledDotProductAttention(q, k, v, { isCausal: true }).mul(2).mul(3).square().sum().backward()
        return [q, k, v].map((t) => t.grad!.clone())
      }
      const hits = poolStats().hits
      const pooled = grads()
      expect(poolStats().hits).toBeGreaterThan(hits)
      setPoolOptions({ maxBytes: 0 })
      grads().forEach((g, i) => expectClose(pooled[i], g, 0))
    } finally {
      setPoolOptions(saved)
    }
  })

  it('createGraph: the gradient of the gradient, through packed heads and through separate 4-D inputs with a learned mask', () => {
    const secondOrder = (leaves: Tensor[], f: (fused: boolean) => Tensor) => [true, false].map((fused) => {
      const firsts = autogradGrad(f(fused).square().sum(), leaves, null, { createGraph: true })
      const gg = autogradGrad(firsts.reduce((s: Tensor, g) => s.add(g!.sin().sum()), tensor(0, { dtype: leaves[0].dtype })), leaves)
      return [...firsts.map((g) => g!.detach()), ...gg.map((g) => g!)]
    })
    const x = randn([2, 3, 12], { dtype: 'float64', generator: gen }).requiresGrad_()
    const [a, b] = secondOrder([x], (fused) => sdpa(fused, ...(packedHeads(x, 2) as [Tensor, Tensor, Tensor]), { isCausal: true }))
    a.forEach((t, i) => expectClose(t, b[i], 1e-10))
    const mk = (shape: number[]) => randn(shape, { dtype: 'float64', generator: gen }).requiresGrad_()
    const q = mk([2, 2, 3, 4]), k = mk([2, 2, 5, 4]), v = mk([2, 2, 5, 3]), mask = mk([2, 1, 3, 5])
    const [c, d] = secondOrder([q, k, v, mask], (fused) => sdpa(fused, q, k, v, { attnMask: mask }))
    c.forEach((t, i) => expectClose(t, d[i], 1e-10))
  })
})

describe('the TS attention backward kernel (backend/ts/attention.ts)', () => {
  it("without gScores it keeps dS in a pooled scratch array, gives it back, and its gradients equal the call that wants dS", async () => {
    const { attention, attentionBackward } = await import('../src/backend/ts/attention.js')
    const { Layout } = await import('../src/layout.js')
    const gen2 = new Generator(7)
    const [B, H, L, S, E] = [2, 2, 16, 16, 8] // B H L S = 1024: a pooled size
    const arr = (n: number) => randn([n], { generator: gen2 }).contiguousData() as Float32Array
    const lay = (rows: number) => Layout.contiguous([B, H, rows, E])
    const q = arr(B * H * L * E), k = arr(B * H * S * E), v = arr(B * H * S * E), gOut = arr(B * H * L * E)
    const common = { q, qLayout: lay(L), k, kLayout: lay(S), v, vLayout: lay(S), scale: 0.3, causal: true, queryOffset: 0, probs: new Float32Array(B * H * L * S) }
    attention({ ...common, mask: null, maskLayout: null, out: new Float32Array(B * H * L * E), outLayout: lay(L) })
    const grads = (gScores: Float32Array | null) => {
      const g = [0, 1, 2].map(() => new Float32Array(B * H * L * E))
      attentionBackward({ ...common, gOut, gOutLayout: lay(L), gScores, gq: g[0], gqLayout: lay(L), gk: g[1], gkLayout: lay(S), gv: g[2], gvLayout: lay(S), accumulate: false })
      return g
    }
    const want = grads(new Float32Array(B * H * L * S))
    const saved = setPoolOptions({ poison: true, maxBytes: 2 ** 24 })
    try {
      const released = poolStats().released
      const got = grads(null)
      expect(poolStats().released).toBe(released + 1)
      got.forEach((g, i) => assertClose(Array.from(g), Array.from(want[i]), { rtol: 0, atol: 0 }))
      // the next call takes that (poisoned) array back and overwrites it: still the same gradients
      const hits = poolStats().hits
      grads(null).forEach((g, i) => assertClose(Array.from(g), Array.from(want[i]), { rtol: 0, atol: 0 }))
      expect(poolStats().hits).toBe(hits + 1)
    } finally {
      setPoolOptions(saved)
    }
  })
})
