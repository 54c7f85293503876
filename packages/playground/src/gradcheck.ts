// The gradcheck button: core's gradcheck gives the verdict (and its typed
// message); for the page, each input's analytic gradient of a random
// projection <v, f(x)> is set beside central differences of the same scalar,
// so one tensor per input shows where they disagree and the worst element.
import { Generator, Tensor, autogradGrad, gradcheck } from '@adjoint/core'
import { type CheckRequest, describeError } from './run.js'

export interface InputCheck {
  index: number
  label: string
  shape: readonly number[]
  analytic: number[]
  numerical: number[]
  /** Flat index of the element with the largest |analytic - numerical|. */
  worst: number
  maxError: number
  ok: boolean
}

export interface GradcheckReport {
  ok: boolean
  /** core's verdict: "passed", or the GradcheckError / other error message. */
  message: string
  errorName: string | null
  inputs: InputCheck[]
}

const EPS = 1e-6, ATOL = 1e-5, RTOL = 1e-3

export function runGradcheck(req: CheckRequest): GradcheckReport {
  let ok = true, message = 'passed: analytic and numerical Jacobians agree', errorName: string | null = null
  try {
    gradcheck(req.fn, req.inputs)
  } catch (err) {
    ok = false
    ;({ name: errorName, message } = describeError(err))
  }
  const inputs: InputCheck[] = []
  try {
    const out = req.fn(...req.inputs)
    const gen = new Generator(1)
    const v = Tensor.empty(out.shape, 'float64')
    for (let k = 0; k < v.numel(); k++) v.storage.data[k] = gen.normal()
    const project = () => req.fn(...req.inputs).to('float64').mul(v).sum()
    const diff = req.inputs.map((t, i) => [t, i] as const).filter(([t]) => t.requiresGrad)
    const grads = autogradGrad(project(), diff.map(([t]) => t), null, { allowUnused: true })
    diff.forEach(([t, index], k) => {
      const analytic = grads[k] ? Array.from(grads[k]!.contiguousData(), Number) : new Array<number>(t.numel()).fill(0)
      const numerical = numericalGradient(t, () => project().item())
      let worst = 0, maxError = -1, pass = true
      analytic.forEach((a, e) => {
        const n = numerical[e], err = Math.abs(a - n)
        if (!(err <= ATOL + RTOL * Math.abs(n))) pass = false
        if (!(err <= maxError)) { maxError = Number.isNaN(err) ? Infinity : err; worst = e }
      })
      inputs.push({ index, label: t.name ?? `input ${index}`, shape: t.shape, analytic, numerical, worst, maxError, ok: pass })
    })
  } catch (err) {
    if (ok) { ok = false; ({ name: errorName, message } = describeError(err)) }
  }
  return { ok, message, errorName, inputs }
}

/** d f / d t by central differences, perturbing t's elements in place. */
function numericalGradient(t: Tensor, f: () => number): number[] {
  const data = t.storage.data
  const result: number[] = []
  const pos: number[] = []
  const rec = (d: number, p: number) => {
    if (d === t.ndim) { pos.push(p); return }
    for (let i = 0; i < t.shape[d]; i++) rec(d + 1, p + i * t.strides[d])
  }
  rec(0, t.offset)
  for (const p of pos) {
    const orig = Number(data[p])
    data[p] = orig + EPS
    const plus = f()
    data[p] = orig - EPS
    const minus = f()
    data[p] = orig
    result.push((plus - minus) / (2 * EPS))
  }
  return result
}
