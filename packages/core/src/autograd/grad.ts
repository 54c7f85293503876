// torch.autograd.grad: gradients of outputs w.r.t. chosen inputs, returned
// rather than accumulated into .grad.
import { AutogradError, ShapeError, fmtShape } from '../errors.js'
import { shapesEqual } from '../shape.js'
import { Tensor } from '../tensor.js'
import { onesLikeNoGrad, runBackward } from './engine.js'

export interface GradOptions {
  retainGraph?: boolean
  createGraph?: boolean
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean
}

export function autogradGrad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], gradOutputs?: Tensor | readonly (Tensor | null)[] | null, opts: GradOptions = {}): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : [...outputs]
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs]
  const gos = gradOutputs instanceof Tensor ? [gradOutputs] : gradOutputs ? [...gradOutputs] : outs.map(() => null)
  if (gos.length !== outs.length) throw new AutogradError(`grad: got ${gos.length} gradOutputs for ${outs.length} outputs`)
  ins.forEach((t, i) => { if (!t.requiresGrad) throw new AutogradError(`grad: input ${i} does not require grad`) })
  const roots: Tensor[] = [], seeds: Tensor[] = []
  outs.forEach((o, i) => {
    if (!o.requiresGrad) throw new AutogradError(`grad: output ${i} does not require grad and has no gradFn`)
    let g = gos[i]
    if (g === null || g === undefined) {
      if (o.numel() !== 1) throw new AutogradError(`grad: grad can be implicitly created only for scalar outputs; output ${i} has shape ${fmtShape(o.shape)}`)
      g = onesLikeNoGrad(o)
    } else if (!shapesEqual(g.shape, o.shape)) {
      throw new ShapeError(`grad: gradOutputs[${i}] has shape ${fmtShape(g.shape)}, output ${i} has shape ${fmtShape(o.shape)}`)
    }
    roots.push(o)
    seeds.push(g)
  })
  const found = runBackward(roots, seeds, { retainGraph: opts.retainGraph, createGraph: opts.createGraph, targets: ins })!
  return ins.map((t, i) => {
    const g = found.get(t) ?? null
    if (g === null && !opts.allowUnused) throw new AutogradError(`grad: input ${i} (shape ${fmtShape(t.shape)}) was not used to compute the outputs; pass {allowUnused: true} to get null for it`)
    return g
  })
}
