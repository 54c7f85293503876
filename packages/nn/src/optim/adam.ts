// Adam and AdamW (PyTorch's exact update rules, amsgrad optional).
import { ValueError, getBackend, type FloatArray } from '@adjoint/core'
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
    const { lr, eps, weightDecay, amsgrad, maximize } = group
    const [b1, b2] = group.betas
    // one backend call per dtype in the group (one native call for a float32 model)
    for (const part of this.paramsWithGrad(group)) {
      const params: FloatArray[] = [], grads: FloatArray[] = [], m: FloatArray[] = [], v: FloatArray[] = []
      const vmax: FloatArray[] | null = amsgrad ? [] : null
      const consts = new Float64Array(3 * part.length)
      part.forEach((p, k) => {
        const { param, grad } = this.arrays(p)!
        const st = this.paramState(p)
        const step = ((st.step as number | undefined) ?? 0) + 1
        st.step = step
        params.push(param)
        grads.push(grad)
        m.push(this.stateBuffer(p, 'expAvg').data)
        v.push(this.stateBuffer(p, 'expAvgSq').data)
        vmax?.push(this.stateBuffer(p, 'maxExpAvgSq').data)
        consts[3 * k] = lr / (1 - b1 ** step)
        consts[3 * k + 1] = Math.sqrt(1 - b2 ** step)
        consts[3 * k + 2] = lr
      })
      getBackend().adamStep(params, grads, m, v, vmax, consts, { beta1: b1, beta2: b2, eps, weightDecay, decoupled: this.decoupled, maximize })
      for (const p of part) this.touched(p)
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
