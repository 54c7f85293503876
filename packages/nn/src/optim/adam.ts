// Adam and AdamW (PyTorch's exact update rules, amsgrad optional).
import { ValueError } from '@adjoint/core'
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js'

export interface AdamOptions {
  lr: number
  betas: [number, number]
  eps: number
  weightDecay: number
  amsgrad: boolean
  maximize: boolean
}

/**
 * The shared update. With t the step count, bc1 = 1 - b1^t, bc2 = 1 - b2^t:
 * m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  vmax = max(vmax, v) (amsgrad);
 * p -= (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps).
 * Adam adds wd p to g (L2); AdamW multiplies p by 1 - lr wd first (decoupled).
 */
abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean

  protected override validateGroup(g: ParamGroup & AdamOptions): void {
    super.validateGroup(g)
    const name = this.constructor.name
    if (!Array.isArray(g.betas) || g.betas.length !== 2 || g.betas.some((b) => !(b >= 0 && b < 1))) throw new ValueError(`${name}: invalid betas ${JSON.stringify(g.betas)} (each must be in [0, 1))`)
    if (!(g.eps >= 0)) throw new ValueError(`${name}: invalid eps ${g.eps}`)
    if (!(g.weightDecay >= 0)) throw new ValueError(`${name}: invalid weightDecay ${g.weightDecay}`)
  }

  protected updateGroup(group: ParamGroup & AdamOptions): void {
    const { lr, eps, weightDecay: wd, amsgrad, maximize } = group
    const [b1, b2] = group.betas
    const decoupled = this.decoupled
    for (const p of group.params) {
      const a = this.arrays(p)
      if (!a) continue
      const { param, grad } = a
      const st = this.paramState(p)
      const step = ((st.step as number | undefined) ?? 0) + 1
      st.step = step
      const m = this.stateBuffer(p, 'expAvg').data
      const v = this.stateBuffer(p, 'expAvgSq').data
      const vmax = amsgrad ? this.stateBuffer(p, 'maxExpAvgSq').data : null
      const stepSize = lr / (1 - b1 ** step)
      const bc2Sqrt = Math.sqrt(1 - b2 ** step)
      const decay = 1 - lr * wd
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
      this.touched(p)
    }
  }
}

export class Adam extends AdamBase {
  protected readonly decoupled = false

  constructor(params: ParamsInput<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...opts })
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter); weightDecay defaults to 0.01. */
export class AdamW extends AdamBase {
  protected readonly decoupled = true

  constructor(params: ParamsInput<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...opts })
  }
}
