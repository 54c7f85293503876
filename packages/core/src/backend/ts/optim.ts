// Optimizer updates and gradient-norm helpers (see OptimizerKernels): plain
// loops in float64 arithmetic, the reference for native versions.
import type { FloatArray } from '../../dtype.js'
import type { AdamHyper, SgdHyper } from '../backend.js'

export function adamStep(params: FloatArray[], grads: FloatArray[], expAvg: FloatArray[], expAvgSq: FloatArray[], maxExpAvgSq: FloatArray[] | null, consts: Float64Array, h: AdamHyper): void {
  const { beta1: b1, beta2: b2, eps, weightDecay: wd, decoupled, maximize } = h
  for (let k = 0; k < params.length; k++) {
    const param = params[k], grad = grads[k], m = expAvg[k], v = expAvgSq[k], vmax = maxExpAvgSq ? maxExpAvgSq[k] : null
    const stepSize = consts[3 * k], bc2Sqrt = consts[3 * k + 1], decay = 1 - consts[3 * k + 2] * wd
    const n = param.length
    for (let i = 0; i < n; i++) {
      let g = maximize ? -grad[i] : grad[i]
      if (decoupled) param[i] *= decay
      else if (wd !== 0) g += wd * param[i]
      m[i] = b1 * m[i] + (1 - b1) * g
      v[i] = b2 * v[i] + (1 - b2) * g * g
      let s = v[i]
      if (vmax !== null) { if (s > vmax[i]) vmax[i] = s; else s = vmax[i] }
      param[i] -= stepSize * (m[i] / (Math.sqrt(s) / bc2Sqrt + eps))
    }
  }
}

export function sgdStep(params: FloatArray[], grads: FloatArray[], momentumBuffers: FloatArray[] | null, fresh: Int32Array, h: SgdHyper): void {
  const { lr, momentum: mu, dampening, weightDecay: wd, nesterov, maximize } = h
  for (let k = 0; k < params.length; k++) {
    const param = params[k], grad = grads[k], buf = momentumBuffers ? momentumBuffers[k] : null, first = fresh[k] !== 0
    const n = param.length
    for (let i = 0; i < n; i++) {
      let d = maximize ? -grad[i] : grad[i]
      if (wd !== 0) d += wd * param[i]
      if (buf !== null) {
        buf[i] = first ? d : mu * buf[i] + (1 - dampening) * d
        d = nesterov ? d + mu * buf[i] : buf[i]
      }
      param[i] -= lr * d
    }
  }
}

export function sumSquares(arrays: FloatArray[]): number {
  let total = 0
  for (const d of arrays) for (let i = 0; i < d.length; i++) total += d[i] * d[i]
  return total
}

export function scaleAll(arrays: FloatArray[], c: number): void {
  for (const d of arrays) for (let i = 0; i < d.length; i++) d[i] *= c
}
