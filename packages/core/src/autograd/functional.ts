// Functional transforms on top of the reverse-mode engine, in the style of JAX
// (grad, valueAndGrad) and torch.autograd.functional (vjp, jvp, hvp, jacobian,
// hessian). They never touch .grad.
//
// Nesting: a transform makes each differentiated argument a fresh leaf, unless
// the argument already requires grad (it comes from an outer transform or the
// user's graph); then it differentiates with createGraph, so the result stays
// differentiable and grad(grad(f)) is the second derivative.
import { ShapeError, ValueError, fmtShape } from '../errors.js'
import { isFloat } from '../dtype.js'
import { shapesEqual } from '../shape.js'
import { Tensor } from '../tensor.js'
import { autogradGrad } from './grad.js'
import { isGradEnabled } from './grad-mode.js'
import { stack } from '../ops/movement.js'

type Outs = Tensor | readonly Tensor[]

export interface GradFnOptions {
  /** Which positional argument(s) to differentiate: a number gives one gradient, an array gives an array. Default 0. */
  argnums?: number | readonly number[]
  /** f returns [scalar, aux]: the transform then returns [gradient(s), aux] (JAX's has_aux). */
  hasAux?: boolean
  /** Keep the result differentiable. Default: only when an argument already requires grad (nested transforms). */
  createGraph?: boolean
}

export interface FunctionalOptions {
  /** Keep the results differentiable (for higher-order derivatives). Default false. */
  createGraph?: boolean
}

const listOf = (x: Outs): Tensor[] => (x instanceof Tensor ? [x] : [...x])

function checkFloat(op: string, t: unknown, what: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`${op}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`)
  if (!isFloat(t.dtype)) throw new ValueError(`${op}: ${what} must be a floating-point tensor to be differentiated, got ${t.dtype}`)
}

/** The tensor to differentiate with respect to: x itself if it is already tracked, else a fresh leaf sharing its memory. */
function prepare(x: Tensor, createGraph: boolean): Tensor {
  if (x.requiresGrad && createGraph) return x
  return x.detach().requiresGrad_(true)
}

/** d outs / d ins weighted by gos; zeros for inputs the outputs do not depend on. */
function vjpOf(op: string, outs: readonly Tensor[], ins: readonly Tensor[], gos: readonly Tensor[], createGraph: boolean): Tensor[] {
  const used = outs.map((o, k) => [o, gos[k]] as const).filter(([o]) => o.requiresGrad)
  if (used.length === 0) return ins.map((x) => zerosLike(x))
  const gs = autogradGrad(used.map(([o]) => o), ins, used.map(([, g]) => g), { createGraph, retainGraph: true, allowUnused: true })
  return gs.map((g, i) => {
    const r = g ?? zerosLike(ins[i])
    if (!shapesEqual(r.shape, ins[i].shape)) throw new ShapeError(`${op}: internal error: gradient of shape ${fmtShape(r.shape)} for input of shape ${fmtShape(ins[i].shape)}`)
    return createGraph ? r : r.detach()
  })
}

const zerosLike = (x: Tensor) => Tensor.zeros(x.shape, x.dtype)

// ---------- grad / valueAndGrad (JAX style) ----------

function argnumList(op: string, argnums: number | readonly number[], n: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums]
  if (list.length === 0) throw new ValueError(`${op}: argnums is empty`)
  return list.map((a) => {
    const i = a < 0 ? a + n : a
    if (!Number.isInteger(a) || i < 0 || i >= n) throw new ValueError(`${op}: argnums ${a} out of range for ${n} argument(s)`)
    return i
  })
}

function gradCore(op: string, f: (...args: any[]) => unknown, opts: GradFnOptions, args: unknown[]): { value: Tensor, grads: Tensor | Tensor[], aux: unknown } {
  const nums = argnumList(op, opts.argnums ?? 0, args.length)
  nums.forEach((i) => checkFloat(op, args[i], `argument ${i}`))
  const outer = isGradEnabled() && nums.some((i) => (args[i] as Tensor).requiresGrad)
  const createGraph = opts.createGraph ?? outer
  const call = [...args]
  for (const i of nums) call[i] = prepare(args[i] as Tensor, createGraph)
  const r = f(...call)
  let value: unknown = r, aux: unknown
  if (opts.hasAux) {
    if (!Array.isArray(r) || r.length !== 2) throw new ValueError(`${op}: with hasAux, f must return [value, aux]`)
    ;[value, aux] = r
  }
  if (!(value instanceof Tensor)) throw new ValueError(`${op}: f must return a Tensor${opts.hasAux ? ' as the first element of [value, aux]' : ''}, got ${value === null ? 'null' : typeof value}`)
  if (value.numel() !== 1) throw new ShapeError(`${op}: f must return a scalar (one-element tensor), got shape ${fmtShape(value.shape)}; use vjp or jacobian for non-scalar outputs`)
  const ins = nums.map((i) => call[i] as Tensor)
  const gs = vjpOf(op, [value], ins, [Tensor.zeros(value.shape, value.dtype).add(1)], createGraph)
  const grads = typeof (opts.argnums ?? 0) === 'number' ? gs[0] : gs
  return { value: createGraph ? value : value.detach(), grads, aux }
}

/**
 * grad(f) is the function computing the gradient of the scalar f with respect
 * to argument 0 (or `argnums`). `grad(grad(f))` is the second derivative.
 */
export function grad<A extends unknown[]>(f: (...args: A) => Tensor, opts?: GradFnOptions & { argnums?: number, hasAux?: false }): (...args: A) => Tensor
export function grad<A extends unknown[]>(f: (...args: A) => Tensor, opts: GradFnOptions & { argnums: readonly number[], hasAux?: false }): (...args: A) => Tensor[]
export function grad<A extends unknown[], X>(f: (...args: A) => [Tensor, X], opts: GradFnOptions & { argnums?: number, hasAux: true }): (...args: A) => [Tensor, X]
export function grad<A extends unknown[], X>(f: (...args: A) => [Tensor, X], opts: GradFnOptions & { argnums: readonly number[], hasAux: true }): (...args: A) => [Tensor[], X]
export function grad(f: (...args: any[]) => unknown, opts: GradFnOptions = {}): (...args: unknown[]) => unknown {
  if (typeof f !== 'function') throw new ValueError('grad: f must be a function')
  return (...args: unknown[]) => {
    const { grads, aux } = gradCore('grad', f, opts, args)
    return opts.hasAux ? [grads, aux] : grads
  }
}

/** Like grad, but the function returns [value, gradient(s)] (and [[value, aux], gradients] with hasAux, as in JAX). */
export function valueAndGrad<A extends unknown[]>(f: (...args: A) => Tensor, opts?: GradFnOptions & { argnums?: number, hasAux?: false }): (...args: A) => [Tensor, Tensor]
export function valueAndGrad<A extends unknown[]>(f: (...args: A) => Tensor, opts: GradFnOptions & { argnums: readonly number[], hasAux?: false }): (...args: A) => [Tensor, Tensor[]]
export function valueAndGrad<A extends unknown[], X>(f: (...args: A) => [Tensor, X], opts: GradFnOptions & { argnums?: number, hasAux: true }): (...args: A) => [[Tensor, X], Tensor]
export function valueAndGrad<A extends unknown[], X>(f: (...args: A) => [Tensor, X], opts: GradFnOptions & { argnums: readonly number[], hasAux: true }): (...args: A) => [[Tensor, X], Tensor[]]
export function valueAndGrad(f: (...args: any[]) => unknown, opts: GradFnOptions = {}): (...args: unknown[]) => unknown {
  if (typeof f !== 'function') throw new ValueError('valueAndGrad: f must be a function')
  return (...args: unknown[]) => {
    const { value, grads, aux } = gradCore('valueAndGrad', f, opts, args)
    return opts.hasAux ? [[value, aux], grads] : [value, grads]
  }
}

// ---------- torch.autograd.functional style ----------

type In = Tensor | readonly Tensor[]
/** A Tensor for a single input, an array for an array of inputs. */
type Like<I extends In> = I extends Tensor ? Tensor : Tensor[]

function callWith<O extends Outs>(op: string, f: (...xs: Tensor[]) => O, inputs: In, createGraph: boolean): { ins: Tensor[], outs: Tensor[], raw: O } {
  // not listOf: a non-tensor, non-array input must reach checkFloat's message, not a TypeError from spreading it
  const given: unknown[] = Array.isArray(inputs) ? [...inputs] : [inputs]
  if (given.length === 0) throw new ValueError(`${op}: no inputs`)
  given.forEach((x, i) => checkFloat(op, x, `input ${i}`))
  const ins = (given as Tensor[]).map((x) => prepare(x, createGraph))
  const raw = f(...ins)
  const r: unknown = raw
  const outs = r instanceof Tensor ? [r] : Array.isArray(r) ? [...r] as Tensor[] : null
  if (outs === null || outs.some((o) => !(o instanceof Tensor))) throw new ValueError(`${op}: f must return a Tensor or an array of Tensors`)
  return { ins, outs, raw }
}

function matchShapes(op: string, what: string, given: Outs | undefined, like: readonly Tensor[]): Tensor[] {
  if (given === undefined) {
    const bad = like.find((t) => t.numel() !== 1)
    if (bad) throw new ValueError(`${op}: ${what} can be omitted only when every output is a scalar; got shape ${fmtShape(bad.shape)}`)
    return like.map((t) => Tensor.zeros(t.shape, t.dtype).add(1))
  }
  const list = listOf(given)
  if (list.length !== like.length) throw new ValueError(`${op}: got ${list.length} ${what} for ${like.length} tensor(s)`)
  list.forEach((v, i) => {
    if (!(v instanceof Tensor)) throw new ValueError(`${op}: ${what} ${i} is not a Tensor`)
    if (!shapesEqual(v.shape, like[i].shape)) throw new ShapeError(`${op}: ${what} ${i} has shape ${fmtShape(v.shape)}, expected ${fmtShape(like[i].shape)}`)
  })
  return list
}

const outputOf = (raw: Outs, outs: readonly Tensor[], createGraph: boolean): Outs => {
  if (createGraph) return raw
  const d = outs.map((o) => o.detach())
  return raw instanceof Tensor ? d[0] : d
}
const shaped = <I extends In>(inputs: I, list: Tensor[]): Like<I> => (inputs instanceof Tensor ? list[0] : list) as Like<I>

/**
 * Vector-Jacobian product: [f(inputs), vᵀ J]. `v` has the outputs' shapes (may be
 * omitted for a scalar output). The result has the inputs' shapes.
 */
export function vjp<I extends In, O extends Outs>(f: (...xs: Tensor[]) => O, inputs: I, v?: Outs, opts: FunctionalOptions = {}): [O, Like<I>] {
  const createGraph = opts.createGraph ?? false
  const { ins, outs, raw } = callWith('vjp', f, inputs, createGraph)
  const vs = matchShapes('vjp', 'v', v, outs)
  return [outputOf(raw, outs, createGraph) as O, shaped(inputs, vjpOf('vjp', outs, ins, vs, createGraph))]
}

/**
 * Jacobian-vector product: [f(inputs), J t], computed with two reverse passes
 * (the "double-vjp trick"): for a dummy u, g(u) = uᵀ J is linear in u, so the
 * vjp of g with cotangent t is (d g / d u)ᵀ t = J t.
 */
export function jvp<I extends In, O extends Outs>(f: (...xs: Tensor[]) => O, inputs: I, tangents: Like<I> | Tensor, opts: FunctionalOptions = {}): [O, O extends Tensor ? Tensor : Tensor[]] {
  const createGraph = opts.createGraph ?? false
  const { ins, outs, raw } = callWith('jvp', f, inputs, true)
  const ts = matchShapes('jvp', 'tangents', tangents as Outs, ins)
  // u: one dummy cotangent per output; its value does not matter (g is linear in u)
  const us = outs.map((o) => Tensor.zeros(o.shape, isFloat(o.dtype) ? o.dtype : 'float64').requiresGrad_(true))
  const g = vjpOf('jvp', outs, ins, us, true) // g_i = sum_k u_kᵀ J_ki, a function of u
  const live = g.map((gi, i) => [gi, ts[i]] as const).filter(([gi]) => gi.requiresGrad)
  let jv: Tensor[]
  if (live.length === 0) jv = us.map((u) => zerosLike(u))
  else {
    const r = autogradGrad(live.map(([gi]) => gi), us, live.map(([, t]) => t), { createGraph, retainGraph: true, allowUnused: true })
    jv = r.map((x, k) => x ?? zerosLike(us[k]))
    if (!createGraph) jv = jv.map((x) => x.detach())
  }
  jv = jv.map((x, k) => (isFloat(outs[k].dtype) && x.dtype !== outs[k].dtype ? x.to(outs[k].dtype) : x))
  return [outputOf(raw, outs, createGraph) as O, (raw instanceof Tensor ? jv[0] : jv) as O extends Tensor ? Tensor : Tensor[]]
}

function scalarOut(op: string, outs: readonly Tensor[]): Tensor {
  if (outs.length !== 1 || outs[0].numel() !== 1) throw new ShapeError(`${op}: f must return one scalar tensor, got ${outs.length === 1 ? `shape ${fmtShape(outs[0].shape)}` : `${outs.length} outputs`}`)
  return outs[0]
}

/**
 * Hessian-vector product of a scalar f: [f(inputs), H v], by reverse over
 * reverse: the gradient is built with createGraph, then differentiated along v.
 */
export function hvp<I extends In>(f: (...xs: Tensor[]) => Tensor, inputs: I, v: Like<I> | Tensor, opts: FunctionalOptions = {}): [Tensor, Like<I>] {
  const createGraph = opts.createGraph ?? false
  const { ins, outs } = callWith('hvp', f, inputs, true)
  const y = scalarOut('hvp', outs)
  const vs = matchShapes('hvp', 'v', v as Outs, ins)
  const g = vjpOf('hvp', [y], ins, [Tensor.zeros(y.shape, y.dtype).add(1)], true)
  // H v = d (g · v) / d x: the vjp of g with cotangent v (H is symmetric)
  const hv = vjpOf('hvp', g, ins, vs, createGraph)
  return [createGraph ? y : y.detach(), shaped(inputs, hv)]
}

/** Rows of the Jacobian of each output w.r.t. each input: jac[o][i] of shape [...out.shape, ...in.shape]. */
function jacobianCore(op: string, outs: readonly Tensor[], ins: readonly Tensor[], createGraph: boolean): Tensor[][] {
  return outs.map((o) => {
    const n = o.numel()
    const dtype = isFloat(o.dtype) ? o.dtype : 'float64'
    const rows: Tensor[][] = ins.map(() => [])
    for (let r = 0; r < n; r++) {
      const onehot = Tensor.zeros(o.shape, dtype)
      onehot.storage.data[r] = 1
      const gs = o.requiresGrad ? vjpOf(op, [o], ins, [onehot], createGraph) : ins.map((x) => zerosLike(x))
      gs.forEach((g, i) => rows[i].push(g))
    }
    return ins.map((x, i) => {
      if (n === 0) return Tensor.zeros([...o.shape, ...x.shape], x.dtype)
      return stack(rows[i], 0).reshape([...o.shape, ...x.shape])
    })
  })
}

type JacOf<I extends In, O extends Outs> = O extends Tensor ? Like<I> : I extends Tensor ? Tensor[] : Tensor[][]

/**
 * The Jacobian of f at inputs, one reverse pass per output element (meant for
 * small inputs). For one input and one output: a tensor of shape
 * [...out.shape, ...in.shape]; for arrays, arrays (jac[o][i] when both are).
 */
export function jacobian<I extends In, O extends Outs>(f: (...xs: Tensor[]) => O, inputs: I, opts: FunctionalOptions = {}): JacOf<I, O> {
  const createGraph = opts.createGraph ?? false
  const { ins, outs, raw } = callWith('jacobian', f, inputs, createGraph)
  const jac = jacobianCore('jacobian', outs, ins, createGraph)
  const byOut = jac.map((row) => (inputs instanceof Tensor ? row[0] : row))
  return (raw instanceof Tensor ? byOut[0] : byOut) as JacOf<I, O>
}

type HessOf<I extends In> = I extends Tensor ? Tensor : Tensor[][]

/**
 * The Hessian of a scalar f: for one input of shape S, a tensor of shape [...S, ...S];
 * for several, hess[i][j] = d²f / d in_i d in_j. The Jacobian of the gradient.
 */
export function hessian<I extends In>(f: (...xs: Tensor[]) => Tensor, inputs: I, opts: FunctionalOptions = {}): HessOf<I> {
  const createGraph = opts.createGraph ?? false
  const { ins, outs } = callWith('hessian', f, inputs, true)
  const y = scalarOut('hessian', outs)
  const g = vjpOf('hessian', [y], ins, [Tensor.zeros(y.shape, y.dtype).add(1)], true)
  const hess = jacobianCore('hessian', g, ins, createGraph)
  return (inputs instanceof Tensor ? hess[0][0] : hess) as HessOf<I>
}

/** torch.autograd.functional's names in one place. */
export const functional = { vjp, jvp, hvp, jacobian, hessian }
