// Stochastic gradient descent with momentum (PyTorch's exact update rule).
import { ValueError, getBackend, type FloatArray, type SgdHyper } from '@adjoint/core'
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js'

/** lr, momentum, dampening, weightDecay, nesterov, maximize: the backend's sgdStep takes them as they are. */
export type SGDOptions = SgdHyper

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
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group
    for (const part of this.paramsWithGrad(group)) {
      const params: FloatArray[] = [], grads: FloatArray[] = []
      const bufs: FloatArray[] | null = momentum === 0 ? null : []
      const fresh = new Int32Array(part.length)
      part.forEach((p, k) => {
        const { param, grad } = this.arrays(p)!
        params.push(param)
        grads.push(grad)
        if (bufs !== null) {
          const b = this.stateBuffer(p, 'momentumBuffer')
          bufs.push(b.data)
          fresh[k] = b.fresh ? 1 : 0
        }
      })
      getBackend().sgdStep(params, grads, bufs, fresh, { lr, momentum, dampening, weightDecay, nesterov, maximize })
      for (const p of part) this.touched(p)
    }
  }
}

