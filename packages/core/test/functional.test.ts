// grad / valueAndGrad / vjp / jvp / hvp / jacobian / hessian: against PyTorch 1.13
// (fixtures/torch-functional.json) and against central finite differences.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  type NestedArray, type Tensor, AdjointError, AutogradError, ShapeError, ValueError, autograd, grad, hessian, hvp, jacobian, jvp, tensor, valueAndGrad, vjp, zeros,
} from '../src/index.js'
import { assertClose } from '../src/testing/index.js'

const f64 = (data: NestedArray, shape?: number[]) => tensor(data, { dtype: 'float64', ...(shape ? { shape } : {}) })
const fromJson = (a: { shape: number[], data: number[] }) => tensor(a.data, { dtype: 'float64', shape: a.shape })

function expectClose(actual: Tensor, expected: Tensor, tol = 1e-9): void {
  assertClose(actual, expected, { rtol: tol, atol: tol })
}

// ---------- finite differences ----------

const EPS = 1e-6

/** f evaluated with input i's element k moved by d (inputs are copied, never mutated). */
function shifted(xs: readonly Tensor[], i: number, k: number, d: number): Tensor[] {
  return xs.map((x, j) => {
    const c = x.detach().contiguous().clone().detach()
    if (j === i) c.storage.data[k] += d
    return c
  })
}

/** Numerical Jacobian of a one-output f w.r.t. input i: shape [...out, ...in]. */
function fdJacobian(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], i: number): Tensor {
  const outShape = f(...xs).shape
  const n = xs[i].numel(), m = outShape.reduce((a, b) => a * b, 1)
  const J = new Float64Array(m * n)
  for (let k = 0; k < n; k++) {
    const plus = f(...shifted(xs, i, k, EPS)).toList(), minus = f(...shifted(xs, i, k, -EPS)).toList()
    for (let r = 0; r < m; r++) J[r * n + k] = (plus[r] - minus[r]) / (2 * EPS)
  }
  return tensor(J, { shape: [...outShape, ...xs[i].shape] })
}

/** Contracts [...out, ...in] with a tensor of the out shape: vᵀ J, of the in shape. */
const vT = (J: Tensor, v: Tensor, inShape: readonly number[]) => v.reshape([1, -1]).matmul(J.reshape([v.numel(), -1])).reshape(inShape)
/** J t, of the out shape. */
const Jt = (J: Tensor, t: Tensor, outShape: readonly number[]) => J.reshape([-1, t.numel()]).matmul(t.reshape([-1, 1])).reshape(outShape)

// ---------- the functions of the fixtures (twins of generate_functional_fixtures.py) ----------

type Fn = (...xs: Tensor[]) => Tensor | Tensor[]
const FNS: Record<string, Fn> = {
  cubic_sum: (x) => x.pow(3).sum(),
  tanh_mix: (x, y) => x.tanh().mul(y).sum().add(x.mul(x).mul(y).sum()),
  lse_linear: (W, x) => x.matmul(W).logsumexp(-1).sum(),
  sqrt_norm: (x) => x.mul(x).sum().add(1).sqrt(),
  sigmoid_quad: (x, w) => x.matmul(w).sigmoid().pow(2).sum(),
  exp_mix: (x, y) => x.exp().mul(y).add(x.pow(2)),
  mat_tanh: (A, B) => A.matmul(B).tanh(),
  sin_cos: (x) => [x.sin(), x.cos().sum()],
  softmax_rows: (x) => x.softmax(-1),
}

interface Arr { shape: number[], data: number[] }
interface Case { name: string, fn: string, transform: string, inputs: Arr[], v?: Arr[], tangents?: Arr[], output: Arr | Arr[], result: Arr[] | Arr[][] }
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/torch-functional.json', import.meta.url), 'utf8')) as { torch: string, cases: Case[] }

describe('PyTorch parity (torch.autograd.functional, torch 1.13)', () => {
  it('has cases for every transform', () => {
    expect(new Set(fixtures.cases.map((c) => c.transform))).toEqual(new Set(['grad', 'hvp', 'hessian', 'vjp', 'jvp', 'jacobian']))
  })
  for (const c of fixtures.cases) {
    it(c.name, () => {
      const f = FNS[c.fn]
      const xs = c.inputs.map(fromJson)
      const idx = xs.map((_, i) => i)
      switch (c.transform) {
        case 'grad': {
          const gs = grad(f as (...xs: Tensor[]) => Tensor, { argnums: idx })(...xs)
          gs.forEach((g, i) => expectClose(g, fromJson((c.result as Arr[])[i])))
          break
        }
        case 'hvp': {
          const [out, hv] = hvp(f as (...xs: Tensor[]) => Tensor, xs, c.v!.map(fromJson))
          expectClose(out, fromJson(c.output as Arr))
          hv.forEach((h, i) => expectClose(h, fromJson((c.result as Arr[])[i])))
          break
        }
        case 'hessian': {
          const H = hessian(f as (...xs: Tensor[]) => Tensor, xs)
          H.forEach((row, i) => row.forEach((h, j) => expectClose(h, fromJson((c.result as Arr[][])[i][j]))))
          break
        }
        case 'vjp': {
          const [out, vj] = vjp(f, xs, c.v!.map(fromJson))
          const outs = out instanceof Array ? out : [out]
          outs.forEach((o, k) => expectClose(o, fromJson((c.output as Arr[])[k])))
          vj.forEach((g, i) => expectClose(g, fromJson((c.result as Arr[])[i])))
          break
        }
        case 'jvp': {
          const [, jv] = jvp(f, xs, c.tangents!.map(fromJson))
          const list = jv instanceof Array ? jv : [jv]
          list.forEach((t, k) => expectClose(t, fromJson((c.result as Arr[])[k])))
          break
        }
        case 'jacobian': {
          const J = jacobian(f, xs) as Tensor[] | Tensor[][]
          const rows = (Array.isArray(J[0]) ? J : [J]) as Tensor[][]
          rows.forEach((row, o) => row.forEach((j, i) => expectClose(j, fromJson((c.result as Arr[][])[o][i]))))
          break
        }
        default: throw new Error(`unknown transform ${c.transform}`)
      }
    })
  }
})

describe('against finite differences', () => {
  const x = f64([0.3, -1.1, 0.8, 1.7], [2, 2])
  const w = f64([0.5, -0.4], [2])
  const scalar = (a: Tensor, b: Tensor) => a.matmul(b).tanh().mul(a.sum(1).exp()).sum().add(a.pow(4).sum().mul(0.1))
  const vector = (a: Tensor, b: Tensor) => a.matmul(b).sigmoid().mul(a.sin().sum(0))

  it('grad', () => {
    const [ga, gb] = grad(scalar, { argnums: [0, 1] })(x, w)
    expectClose(ga, fdJacobian(scalar, [x, w], 0), 1e-7)
    expectClose(gb, fdJacobian(scalar, [x, w], 1), 1e-7)
  })

  it('vjp and jvp', () => {
    const v = f64([0.7, -1.3], [2]), tx = f64([1, 0.5, -0.2, 0.3], [2, 2]), tw = f64([-0.6, 0.9], [2])
    const Ja = fdJacobian(vector, [x, w], 0), Jb = fdJacobian(vector, [x, w], 1)
    const [out, [va, vb]] = vjp(vector, [x, w], v)
    expectClose(out as Tensor, vector(x, w))
    expectClose(va, vT(Ja, v, x.shape), 1e-7)
    expectClose(vb, vT(Jb, v, w.shape), 1e-7)
    const [, jv] = jvp(vector, [x, w], [tx, tw])
    expectClose(jv as Tensor, Jt(Ja, tx, [2]).add(Jt(Jb, tw, [2])), 1e-7)
  })

  it('hvp and hessian: finite differences of the gradient', () => {
    const v = f64([0.2, -0.7, 1.1, 0.4], [2, 2])
    const g = (a: Tensor) => grad(scalar)(a, w)
    const H = fdJacobian(g, [x], 0) // [2,2,2,2]
    expectClose(hessian((a: Tensor) => scalar(a, w), x), H, 1e-6)
    const [, hv] = hvp((a: Tensor) => scalar(a, w), x, v)
    expectClose(hv, Jt(H, v, x.shape), 1e-6)
    // several inputs: the blocks
    const Hs = hessian(scalar, [x, w])
    expect(Hs[0][1].shape).toEqual([2, 2, 2])
    expect(Hs[1][0].shape).toEqual([2, 2, 2])
    expectClose(Hs[1][1], fdJacobian((b: Tensor) => grad(scalar, { argnums: 1 })(x, b), [w], 0), 1e-6)
    expectClose(Hs[0][1], fdJacobian((b: Tensor) => grad(scalar)(x, b), [w], 0), 1e-6)
  })

  it('jacobian', () => {
    expectClose(jacobian(vector, [x, w])[0], fdJacobian(vector, [x, w], 0), 1e-7)
    expectClose(jacobian((b: Tensor) => vector(x, b), w), fdJacobian(vector, [x, w], 1), 1e-7)
  })
})

describe('grad (JAX style)', () => {
  it('returns a function; argnums picks the argument(s); negative argnums count from the end', () => {
    const f = (a: Tensor, b: Tensor, k: number) => a.mul(b).sum().mul(k)
    const a = f64([1, 2]), b = f64([3, 4])
    expect(grad(f)(a, b, 2).toList()).toEqual([6, 8])
    expect(grad(f, { argnums: 1 })(a, b, 2).toList()).toEqual([2, 4])
    expect(grad(f, { argnums: -2 })(a, b, 2).toList()).toEqual([2, 4])
    const [ga, gb] = grad(f, { argnums: [0, 1] })(a, b, 1)
    expect([ga.toList(), gb.toList()]).toEqual([[3, 4], [1, 2]])
  })

  it('higher derivatives by nesting: the third derivative of sin is -cos', () => {
    const d = (f: (x: Tensor) => Tensor) => (x: Tensor) => grad((y: Tensor) => f(y).sum())(x)
    const x = f64([0.3, 1.2, -2])
    const d3 = d(d(d((y) => y.sin())))(x)
    expectClose(d3, x.cos().neg())
    const d4 = d(d(d(d((y) => y.sin()))))(x)
    expectClose(d4, x.sin())
  })

  it('hasAux returns [gradient, aux]; valueAndGrad returns the value too', () => {
    const f = (x: Tensor): [Tensor, string] => [x.square().sum(), 'aux']
    const [g, aux] = grad(f, { hasAux: true })(f64([1, -2]))
    expect(g.toList()).toEqual([2, -4])
    expect(aux).toBe('aux')
    const [v, g2] = valueAndGrad((x: Tensor) => x.square().sum())(f64([1, -2]))
    expect(v.item()).toBe(5)
    expect(g2.toList()).toEqual([2, -4])
    const [[v3, aux3], g3] = valueAndGrad(f, { hasAux: true })(f64([3]))
    expect([v3.item(), aux3, g3.toList()]).toEqual([9, 'aux', [6]])
    expect(v.requiresGrad).toBe(false)
  })

  it('an argument the output does not use gets zeros', () => {
    const [ga, gb] = grad((a: Tensor, _b: Tensor) => a.sum(), { argnums: [0, 1] })(f64([1, 2]), f64([5, 6, 7]))
    expect(ga.toList()).toEqual([1, 1])
    expect(gb.toList()).toEqual([0, 0, 0])
    expect(grad((_a: Tensor) => f64(3))(f64([1, 2])).toList()).toEqual([0, 0])
  })

  it('does not touch .grad, and does not track the inputs when they do not require grad', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true })
    const g = grad((y: Tensor) => y.square().sum())(x)
    expect(x.grad).toBeNull()
    expect(g.toList()).toEqual([2, 4])
    // x requires grad: the gradient stays differentiable w.r.t. x (createGraph)
    expect(g.requiresGrad).toBe(true)
    g.sum().backward()
    expect(x.grad!.toList()).toEqual([2, 2])
    const plain = grad((y: Tensor) => y.square().sum())(f64([1, 2]))
    expect(plain.requiresGrad).toBe(false)
  })

  it('explains its errors', () => {
    expect(() => grad((x: Tensor) => x.mul(2))(f64([1, 2]))).toThrow(ShapeError)
    expect(() => grad((x: Tensor) => x.mul(2))(f64([1, 2]))).toThrow(/scalar.*\[2\].*vjp or jacobian/)
    expect(() => grad((x: Tensor) => x.sum())(tensor([1, 2], { dtype: 'int32' }))).toThrow(/floating-point.*int32/)
    expect(() => grad((x: Tensor) => x.sum(), { argnums: 3 })(f64([1]))).toThrow(/argnums 3 out of range/)
    expect(() => grad((x: Tensor) => [x.sum(), 1] as unknown as Tensor)(f64([1]))).toThrow(ValueError)
  })
})

describe('vjp / jvp / hvp / jacobian / hessian', () => {
  it('vjp of a scalar output without v; of several outputs', () => {
    const x = f64([1, 2, 3])
    const [out, g] = vjp((y) => y.square().sum(), x)
    expect((out as Tensor).item()).toBe(14)
    expect(g.toList()).toEqual([2, 4, 6])
    const [outs, g2] = vjp((y) => [y.mul(2), y.sum()], x, [f64([1, 0, 1]), f64(10)])
    expect((outs as Tensor[]).length).toBe(2)
    expect(g2.toList()).toEqual([12, 10, 12])
    expect(() => vjp((y) => y.mul(2), x)).toThrow(/only when every output is a scalar/)
    expect(() => vjp((y) => y.mul(2), x, f64([1, 2]))).toThrow(/v 0 has shape \[2\], expected \[3\]/)
  })

  it('jvp: the double-vjp trick works through ops whose backward passes grad through unchanged', () => {
    const x = f64([1, 2, 3]), t = f64([1, 0, -1])
    expect((jvp((y) => y.mul(2).reshape([3, 1]).add(1), x, t)[1] as Tensor).toList()).toEqual([2, 0, -2])
    expect((jvp((y) => y.sum(), x, t)[1] as Tensor).item()).toBe(0)
    expect((jvp((y) => y.expand([2, 3]).sum(0), x, t)[1] as Tensor).toList()).toEqual([2, 0, -2])
    // an output that does not depend on the input: zero tangent
    expect((jvp((_y) => f64([5, 5]), x, t)[1] as Tensor).toList()).toEqual([0, 0])
    // several outputs
    const [, [a, b]] = jvp((y) => [y.exp(), y.square().sum()], x, t) as [unknown, Tensor[]]
    expectClose(a, x.exp().mul(t))
    expect(b.item()).toBe(2 * 1 - 2 * 3)
  })

  it('hvp equals the Hessian times v; hessian of a quadratic form is A + Aᵀ', () => {
    const A = f64([1, 2, 0, 3], [2, 2])
    const q = (x: Tensor) => x.matmul(A.matmul(x))
    const x = f64([0.5, -1])
    expectClose(hessian(q, x), A.add(A.t()))
    const [val, hv] = hvp(q, x, f64([1, 1]))
    expect(val.item()).toBeCloseTo(q(x).item())
    expect(hv.toList()).toEqual([4, 8])
    expect(() => hvp((y) => y.mul(2), x, f64([1, 1]))).toThrow(/one scalar tensor/)
  })

  it('jacobian shapes: [...out, ...in]; one array per input; jac[out][in] for several outputs', () => {
    const x = f64([1, 2, 3]), y = f64([[1, 2], [3, 4]])
    expect(jacobian((a) => a.exp(), x).shape).toEqual([3, 3])
    expect(jacobian((a) => a.sum(), x).shape).toEqual([3])
    const [jx, jy] = jacobian((a, b) => a.sum().mul(b), [x, y])
    expect(jx.shape).toEqual([2, 2, 3])
    expect(jy.shape).toEqual([2, 2, 2, 2])
    const J = jacobian((a, b) => [a.mul(2), b.sum()], [x, y])
    expect(J.map((r) => r.map((t) => t.shape))).toEqual([[[3, 3], [3, 2, 2]], [[3], [2, 2]]])
    expectClose(J[0][0], f64([[2, 0, 0], [0, 2, 0], [0, 0, 2]]))
    expect(J[0][1].toList().every((v) => v === 0)).toBe(true)
  })

  it('createGraph keeps the results differentiable', () => {
    const x = tensor([0.5, 1.5], { dtype: 'float64', requiresGrad: true })
    const [, g] = vjp((y) => y.pow(3), x, f64([1, 1]), { createGraph: true })
    expect(g.requiresGrad).toBe(true)
    const [d2] = autograd.grad(g.sum(), x)
    expectClose(d2!, x.detach().mul(6)) // d/dx 3x^2 = 6x
    const J = jacobian((y) => y.pow(3), x, { createGraph: true })
    expect(J.requiresGrad).toBe(true)
    expect(jacobian((y) => y.pow(3), x).requiresGrad).toBe(false)
  })

  it('explains its errors', () => {
    // bad arguments are ValueErrors (AdjointErrors), not AutogradErrors: nothing was differentiated yet
    const thrown = (f: () => unknown): unknown => { try { f() } catch (e) { return e } return null }
    const cases: [() => unknown, RegExp][] = [
      [() => jacobian((a) => a, [] as Tensor[]), /no inputs/],
      [() => jvp((a) => a, f64([1]), [f64([1]), f64([1])] as unknown as Tensor), /2 tangents for 1 tensor/],
      [() => jacobian((_a) => 3 as unknown as Tensor, f64([1])), /must return a Tensor/],
    ]
    for (const [f, message] of cases) {
      const e = thrown(f)
      expect(e).toBeInstanceOf(ValueError)
      expect(e).toBeInstanceOf(AdjointError)
      expect(e).not.toBeInstanceOf(AutogradError)
      expect((e as Error).message).toMatch(message)
    }
  })

  it('zeros for inputs of int dtype are refused', () => {
    expect(() => vjp((a) => a.sum(), zeros([2], { dtype: 'int32' }))).toThrow(/floating-point/)
  })
})

describe('grad / valueAndGrad argument checks', () => {
  const x = tensor([1, 2], { dtype: 'float64' })
  const sq = (a: Tensor) => a.square().sum()

  it('name the transform, the argument and what was wrong', () => {
    expect(() => grad('f' as any)).toThrow(new ValueError('grad: f must be a function'))
    expect(() => valueAndGrad(3 as any)).toThrow(new ValueError('valueAndGrad: f must be a function'))
    expect(() => grad(sq)(3 as any)).toThrow(new ValueError('grad: argument 0 must be a Tensor, got number'))
    expect(() => grad(sq)(null as any)).toThrow(new ValueError('grad: argument 0 must be a Tensor, got null'))
    expect(() => grad(sq)(tensor([1], { dtype: 'int32' }))).toThrow(new ValueError('grad: argument 0 must be a floating-point tensor to be differentiated, got int32'))
    expect(() => grad(sq, { argnums: [] })(x)).toThrow(new ValueError('grad: argnums is empty'))
    expect(() => grad(sq, { argnums: 1 })(x)).toThrow(new ValueError('grad: argnums 1 out of range for 1 argument(s)'))
    expect(() => grad(sq, { argnums: -2 })(x)).toThrow(new ValueError('grad: argnums -2 out of range for 1 argument(s)'))
    expect(() => grad(sq, { argnums: 0.5 })(x)).toThrow(new ValueError('grad: argnums 0.5 out of range for 1 argument(s)'))
  })

  it('explain what f returned instead of a scalar tensor', () => {
    expect(() => grad((() => 3) as any)(x)).toThrow(new ValueError('grad: f must return a Tensor, got number'))
    expect(() => valueAndGrad((() => null) as any)(x)).toThrow(new ValueError('valueAndGrad: f must return a Tensor, got null'))
    expect(() => grad(((a: Tensor) => a.sum()) as any, { hasAux: true })(x)).toThrow(new ValueError('grad: with hasAux, f must return [value, aux]'))
    expect(() => grad(((a: Tensor) => [a.sum(), 1, 2]) as any, { hasAux: true })(x)).toThrow(new ValueError('grad: with hasAux, f must return [value, aux]'))
    expect(() => grad(((_a: Tensor) => [3, 'aux']) as any, { hasAux: true })(x)).toThrow(new ValueError('grad: f must return a Tensor as the first element of [value, aux], got number'))
  })

  it('a constant result gives zero gradients; an argument from an outer graph keeps the result differentiable', () => {
    expect(grad((_a: Tensor) => tensor(3, { dtype: 'float64' }))(x).toList()).toEqual([0, 0])
    const outer = tensor([1, 2], { dtype: 'float64', requiresGrad: true })
    const [gx, gy] = grad((a: Tensor, b: Tensor) => a.square().mul(b).sum(), { argnums: [0, 1] })(outer, tensor([3, 4], { dtype: 'float64' }))
    expect(gx.requiresGrad).toBe(true) // one tracked argument is enough for createGraph
    expect(gx.toList()).toEqual([6, 16])
    expect(gy.toList()).toEqual([1, 4])
  })
})

describe('vjp / jvp / hvp / jacobian / hessian defaults and messages', () => {
  const x = tensor([0.5, -1], { dtype: 'float64' })
  const f = (a: Tensor) => a.square().mul(a.sin())
  const s = (a: Tensor) => a.square().sum()

  it('results are plain tensors unless createGraph (even for inputs that require grad)', () => {
    const xg = tensor([0.5, -1], { dtype: 'float64', requiresGrad: true })
    for (const inp of [x, xg]) {
      const [, g] = vjp(f, inp, tensor([1, 2], { dtype: 'float64' }))
      const [, jv] = jvp(f, inp, tensor([1, 2], { dtype: 'float64' }))
      const [, hv] = hvp(s, inp, tensor([1, 2], { dtype: 'float64' }))
      for (const r of [g, jv, hv, jacobian(f, inp), hessian(s, inp)] as Tensor[]) expect(r.requiresGrad).toBe(false)
    }
    // sum(x^3): H v = 6 x v, a function of x, so createGraph keeps it differentiable
    const [, hv] = hvp((a: Tensor) => a.pow(3).sum(), xg, tensor([1, 2], { dtype: 'float64' }), { createGraph: true })
    expect(hv.requiresGrad).toBe(true)
    expect(hv.toList()).toEqual([3, -12])
    expect((hessian(s, x) as Tensor).toArray()).toEqual([[2, 0], [0, 2]])
  })

  it('name the transform in their errors', () => {
    expect(() => hvp(f, x, x)).toThrow(new ShapeError('hvp: f must return one scalar tensor, got shape [2]'))
    expect(() => hessian(f, x)).toThrow(new ShapeError('hessian: f must return one scalar tensor, got shape [2]'))
    expect(() => hvp(s, x, [x, x] as any)).toThrow(new ValueError('hvp: got 2 v for 1 tensor(s)'))
    expect(() => vjp(f, x, [x, x] as any)).toThrow(new ValueError('vjp: got 2 v for 1 tensor(s)'))
    expect(() => jvp(f, x, [x, x] as any)).toThrow(new ValueError('jvp: got 2 tangents for 1 tensor(s)'))
    expect(() => vjp(f, x)).toThrow(new ValueError('vjp: v can be omitted only when every output is a scalar; got shape [2]'))
    expect(() => jacobian(f, 3 as any)).toThrow(new ValueError('jacobian: input 0 must be a Tensor, got number'))
    expect(() => hvp(s, [x, 'y'] as any, [x, x])).toThrow(new ValueError('hvp: input 1 must be a Tensor, got string'))
  })
})
