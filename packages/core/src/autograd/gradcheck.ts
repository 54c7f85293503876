// gradcheck / gradgradcheck with PyTorch's semantics: the analytic Jacobian
// (one backward per output element) against central finite differences
// (f(x + eps) - f(x - eps)) / 2 eps, in float64, compared with
// |analytic - numeric| <= atol + rtol |numeric|.
import { AdjointError, DTypeError, ValueError, fmtShape } from '../errors.js'
import { Generator } from '../random.js'
import { Tensor } from '../tensor.js'
import { autogradGrad } from './grad.js'
import { noGrad } from './grad-mode.js'

export class GradcheckError extends AdjointError {}

export interface GradcheckOptions {
  eps?: number
  atol?: number
  rtol?: number
  /** Throw a GradcheckError on mismatch (default); false returns false instead. */
  raiseException?: boolean
  /** Allowed difference between two analytic evaluations (reentrancy check). */
  nondetTol?: number
}

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[]

const outputsOf = (r: Tensor | readonly Tensor[]): Tensor[] => (r instanceof Tensor ? [r] : [...r])

/** Storage positions of every element of t, in row-major order. */
function positions(t: Tensor): number[] {
  const pos: number[] = []
  const rec = (d: number, p: number) => {
    if (d === t.ndim) { pos.push(p); return }
    for (let i = 0; i < t.shape[d]; i++) rec(d + 1, p + i * t.strides[d])
  }
  rec(0, t.offset)
  return pos
}

function checkInputs(op: string, inputs: readonly Tensor[]): void {
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ValueError(`${op}: input ${i} is not a Tensor`)
    if (!t.requiresGrad) return
    if (t.dtype !== 'float64') throw new DTypeError(`${op}: input ${i} requires grad and is ${t.dtype}; gradcheck needs float64 inputs (finite differences in float32 are too coarse for its tolerances)`)
    const pos = positions(t)
    if (new Set(pos).size !== pos.length) throw new ValueError(`${op}: input ${i} (shape ${fmtShape(t.shape)}) has overlapping memory (e.g. from expand); perturbing one element would change several. Pass a contiguous copy.`)
  })
}

/** J_num[out][in]: rows = output elements, columns = input elements. */
function numericJacobian(fn: Fn, inputs: readonly Tensor[], i: number, eps: number): Float64Array[] {
  const t = inputs[i]
  const data = t.storage.data
  const pos = positions(t)
  // not under noGrad: gradgradcheck's function itself runs a backward
  const evalFlat = () => outputsOf(fn(...inputs)).map((o) => Float64Array.from(o.contiguousData()))
  const cols: Float64Array[][] = []
  for (const p of pos) {
    const orig = data[p]
    data[p] = orig + eps
    const plus = evalFlat()
    data[p] = orig - eps
    const minus = evalFlat()
    data[p] = orig
    cols.push(plus.map((pl, o) => pl.map((v, k) => (v - minus[o][k]) / (2 * eps))))
  }
  // transpose to one Float64Array per output of shape [outNumel * inNumel]
  const outs = cols[0]?.length ?? outputsOf(noGrad(() => fn(...inputs))).length
  const result: Float64Array[] = []
  for (let o = 0; o < outs; o++) {
    const m = cols[0]?.[o].length ?? 0
    const J = new Float64Array(m * pos.length)
    for (let c = 0; c < pos.length; c++) for (let r = 0; r < m; r++) J[r * pos.length + c] = cols[c][o][r]
    result.push(J)
  }
  return result
}

/** J_ana[out] for input i, one backward per output element (one-hot gradOutput). */
function analyticJacobians(fn: Fn, inputs: readonly Tensor[]): Float64Array[][] {
  const outs = outputsOf(fn(...inputs))
  const diff = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0)
  // result[input][output] = Float64Array(outNumel * inNumel)
  const result: Float64Array[][] = inputs.map((t) => outs.map((o) => new Float64Array(o.numel() * t.numel())))
  outs.forEach((o, oi) => {
    if (!o.requiresGrad || (o.dtype !== 'float64' && o.dtype !== 'float32')) return
    const n = o.numel()
    for (let r = 0; r < n; r++) {
      const onehot = Tensor.zeros(o.shape, o.dtype)
      onehot.storage.data[r] = 1
      const grads = autogradGrad([o], diff.map((i) => inputs[i]), [onehot], { retainGraph: true, allowUnused: true })
      diff.forEach((i, k) => {
        const g = grads[k]
        if (!g) return
        const gd = g.contiguousData()
        const m = inputs[i].numel()
        for (let c = 0; c < m; c++) result[i][oi][r * m + c] = gd[c]
      })
    }
  })
  return result
}

export function gradcheck(fn: Fn, inputs: readonly Tensor[], opts: GradcheckOptions = {}): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raiseException = true, nondetTol = 0 } = opts
  checkInputs('gradcheck', inputs)
  if (!inputs.some((t) => t.requiresGrad)) throw new ValueError('gradcheck: no input requires grad; set requiresGrad: true on the inputs to check')
  const fail = (msg: string) => {
    if (raiseException) throw new GradcheckError(msg)
    return false
  }
  const ana = analyticJacobians(fn, inputs)
  const ana2 = analyticJacobians(fn, inputs)
  for (let i = 0; i < inputs.length; i++) {
    if (!inputs[i].requiresGrad) continue
    for (let o = 0; o < ana[i].length; o++) {
      for (let e = 0; e < ana[i][o].length; e++) {
        if (Math.abs(ana[i][o][e] - ana2[i][o][e]) > nondetTol) return fail(`gradcheck: backward is not reentrant for input ${i}, output ${o}: two evaluations gave ${ana[i][o][e]} and ${ana2[i][o][e]} (nondetTol ${nondetTol})`)
      }
    }
    const num = numericJacobian(fn, inputs, i, eps)
    const nIn = inputs[i].numel()
    for (let o = 0; o < num.length; o++) {
      let worst = -1, worstExcess = 0
      for (let e = 0; e < num[o].length; e++) {
        const a = ana[i][o][e], n = num[o][e]
        const excess = Math.abs(a - n) - (atol + rtol * Math.abs(n))
        if (excess > worstExcess || (Number.isNaN(a) !== Number.isNaN(n))) { worstExcess = Number.isNaN(excess) ? Infinity : excess; worst = e }
      }
      if (worst >= 0) {
        const a = ana[i][o][worst], n = num[o][worst]
        const inEl = worst % nIn, outEl = Math.floor(worst / nIn)
        return fail(`gradcheck: Jacobian mismatch for output ${o} with respect to input ${i} (shape ${fmtShape(inputs[i].shape)}${inputs[i].name ? `, "${inputs[i].name}"` : ''}): worst at input element ${inEl}, output element ${outEl}: analytic ${a}, numerical ${n} (|diff| ${Math.abs(a - n)} > atol ${atol} + rtol ${rtol} * |numerical|)`)
      }
    }
  }
  return true
}

export interface GradgradcheckOptions extends GradcheckOptions {
  /** Seed for the random gradOutputs (when none are given). */
  seed?: number
}

/**
 * Checks second derivatives: gradcheck of (inputs, gradOutputs) -> vjp(fn)(gradOutputs),
 * whose backward is the backward of the backward.
 */
export function gradgradcheck(fn: Fn, inputs: readonly Tensor[], gradOutputs?: readonly Tensor[] | null, opts: GradgradcheckOptions = {}): boolean {
  checkInputs('gradgradcheck', inputs)
  const outs = outputsOf(noGrad(() => fn(...inputs)))
  const gen = new Generator(opts.seed ?? 0)
  const gos = gradOutputs ? [...gradOutputs] : outs.map((o) => {
    const g = Tensor.empty(o.shape, 'float64')
    for (let k = 0; k < g.numel(); k++) g.storage.data[k] = gen.normal()
    return g.requiresGrad_(true)
  })
  const diff = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0)
  const vjp: Fn = (...args: Tensor[]) => {
    const ins = args.slice(0, inputs.length), g = args.slice(inputs.length)
    const out = outputsOf(fn(...ins))
    const used = out.map((o, k) => [o, g[k]] as const).filter(([o]) => o.requiresGrad)
    const grads = autogradGrad(used.map(([o]) => o), diff.map((i) => ins[i]), used.map(([, gg]) => gg), { createGraph: true, allowUnused: true })
    return grads.map((gr, k) => gr ?? ins[diff[k]].mul(0))
  }
  return gradcheck(vjp, [...inputs, ...gos], opts)
}
