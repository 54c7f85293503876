// checkGradients(fn, inputs): gradcheck for users' own code, with float32 inputs
// promoted to float64 leaves and a failure message that points at the worst
// element as a multi-index. Framework-agnostic: the vitest matcher is built on it.
import { GradcheckError, gradcheck, gradgradcheck, type GradcheckOptions } from '../autograd/gradcheck.js'
import { isFloat } from '../dtype.js'
import { ValueError, fmtShape } from '../errors.js'
import { Tensor } from '../tensor.js'
import '../methods.js'

export interface GradientCheckOptions extends GradcheckOptions {
  /** Also check second derivatives (gradgradcheck). Default false. */
  gradgrad?: boolean
  /** Indices of the inputs to differentiate. Default: every floating-point tensor input. */
  wrt?: readonly number[]
}

export interface GradientCheckResult {
  pass: boolean
  /** Why it failed (or, when it passed, what was checked). */
  message: string
  /** The inputs as checked: float64 copies of the differentiated ones. */
  inputs: Tensor[]
}

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[]

/** The row-major multi-index of flat element `k` in `shape`. */
export function unravelIndex(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0)
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = k % shape[d]
    k = Math.floor(k / shape[d])
  }
  return idx
}

function prepare(inputs: readonly Tensor[], wrt: readonly number[] | undefined): Tensor[] {
  return inputs.map((x, i) => {
    if (!(x instanceof Tensor)) throw new ValueError(`checkGradients: input ${i} is not a Tensor`)
    const diff = wrt ? wrt.includes(i) : isFloat(x.dtype)
    if (diff && !isFloat(x.dtype)) throw new ValueError(`checkGradients: input ${i} is ${x.dtype}; only floating-point inputs can be differentiated`)
    if (!diff) return x.requiresGrad ? x.detach() : x
    const c = x.detach().to('float64').contiguous().clone().detach().requiresGrad_(true)
    c.name = x.name
    return c
  })
}

/** Adds the worst element's position as multi-indices to a gradcheck message. */
function explain(msg: string, fn: Fn, inputs: readonly Tensor[]): string {
  const m = /output (\d+) with respect to input (\d+).*worst at input element (\d+), output element (\d+): analytic (\S+), numerical (\S+?) \(/s.exec(msg)
  if (!m) return msg
  const [o, i, inEl, outEl] = [+m[1], +m[2], +m[3], +m[4]]
  let outShape: readonly number[] | undefined
  try {
    const r = fn(...inputs)
    outShape = (r instanceof Tensor ? r : r[o])?.shape
  } catch { outShape = undefined }
  const name = inputs[i].name ? ` "${inputs[i].name}"` : ''
  const at = (k: number, shape?: readonly number[]) => (shape ? `[${unravelIndex(k, shape).join(', ')}]` : `element ${k}`)
  const a = Number(m[5]), n = Number(m[6])
  return [
    msg,
    `  worst element: d output ${o}${at(outEl, outShape)} / d input ${i}${name}${at(inEl, inputs[i].shape)}`,
    `  analytic (backward): ${a}`,
    `  numerical (finite differences): ${n}`,
    `  difference: ${Math.abs(a - n)}`,
  ].join('\n')
}

/**
 * Compares fn's gradients (backward) with finite differences at `inputs`, like
 * gradcheck, but takes inputs of any float dtype (checked as float64 copies) and
 * returns {pass, message} instead of throwing on a mismatch.
 */
export function checkGradients(fn: Fn, inputs: Tensor | readonly Tensor[], opts: GradientCheckOptions = {}): GradientCheckResult {
  if (typeof fn !== 'function') throw new ValueError('checkGradients: expected a function of tensors')
  const xs = prepare(inputs instanceof Tensor ? [inputs] : [...inputs], opts.wrt)
  const { gradgrad = false, wrt: _wrt, ...gc } = opts
  const shapes = xs.map((x) => `${fmtShape(x.shape)}${x.requiresGrad ? '' : ' (not differentiated)'}`).join(', ')
  const steps: [string, () => unknown][] = [['', () => gradcheck(fn, xs, { ...gc, raiseException: true })]]
  if (gradgrad) steps.push([' (second derivatives, gradgradcheck)', () => gradgradcheck(fn, xs, null, { ...gc, raiseException: true })])
  for (const [what, run] of steps) {
    try {
      run()
    } catch (e) {
      if (!(e instanceof GradcheckError)) throw e
      const head = `gradients do not match finite differences${what} for inputs of shapes ${shapes}:`
      return { pass: false, message: `${head}\n${what ? e.message : explain(e.message, fn, xs)}`, inputs: xs }
    }
  }
  return { pass: true, message: `gradients${gradgrad ? ' and second derivatives' : ''} match finite differences for inputs of shapes ${shapes}`, inputs: xs }
}
