// Test helper: training a model on one fixed batch, as the overfit tests do.
import type { Tensor } from '@adjoint/core'
import { AdamW, type Parameter } from '@adjoint/nn'

/** `steps` AdamW steps (no weight decay) on the loss `lossOf` computes: the loss at the first step and at the last. */
export function overfit(params: Parameter[], opts: { lr: number; steps: number }, lossOf: () => Tensor): { first: number; last: number } {
  const opt = new AdamW(params, { lr: opts.lr, weightDecay: 0 })
  let first = 0, last = 0
  for (let step = 0; step < opts.steps; step++) {
    opt.zeroGrad()
    const loss = lossOf()
    last = loss.item()
    if (step === 0) first = last
    loss.backward()
    opt.step()
  }
  return { first, last }
}
