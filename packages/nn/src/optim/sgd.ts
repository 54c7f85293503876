// Stochastic gradient descent with momentum (PyTorch's exact update rule).
import { ValueError } from '@adjoint/core'
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js'

export interface SGDOptions {
  lr: number
  momentum: number
  dampening: number
  weightDecay: number
  nesterov: boolean
  maximize: boolean
}

/**
 * d = g + wd p;  with momentum: b = d (first step) or mu b + (1 - dampening) d,
 * d = nesterov ? d + mu b : b;  p -= lr d.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, opts: Partial<SGDOptions> & { lr: number }) {
    if (opts === undefined || opts.lr === undefined) throw new ValueError('SGD: lr is required')
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...opts })
  }

  protected override validateGroup(g: ParamGroup & SGDOptions): void {
    super.validateGroup(g)
    if (!(g.momentum >= 0)) throw new ValueError(`SGD: invalid momentum ${g.momentum}`)
    if (!(g.weightDecay >= 0)) throw new ValueError(`SGD: invalid weightDecay ${g.weightDecay}`)
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new ValueError('SGD: nesterov momentum requires a momentum and zero dampening')
  }

  protected updateGroup(group: ParamGroup & SGDOptions): void {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov, maximize } = group
    for (const p of group.params) {
      const a = this.arrays(p)
      if (!a) continue
      const { param, grad } = a
      const n = param.length
      if (mu === 0) {
        for (let i = 0; i < n; i++) {
          let d = maximize ? -grad[i] : grad[i]
          if (wd !== 0) d += wd * param[i]
          param[i] -= lr * d
        }
      } else {
        const { data: buf, fresh } = this.stateBuffer(p, 'momentumBuffer')
        for (let i = 0; i < n; i++) {
          let d = maximize ? -grad[i] : grad[i]
          if (wd !== 0) d += wd * param[i]
          buf[i] = fresh ? d : mu * buf[i] + (1 - dampening) * d
          d = nesterov ? d + mu * buf[i] : buf[i]
          param[i] -= lr * d
        }
      }
      this.touched(p)
    }
  }
}

