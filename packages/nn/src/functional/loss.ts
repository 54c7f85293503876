// Losses: crossEntropy and nllLoss are core's ops (re-exported by the functional
// index); the regression and binary losses here are compositions of ops.
import { ShapeError, Tensor, fmtShape, type Reduction } from '@adjoint/core'
import { assertFloat, assertTensor, checkReduction, reduceLoss } from './util.js'

function checkPair(op: string, input: Tensor, target: Tensor): void {
  assertTensor(op, input)
  assertTensor(op, target, 'target')
  assertFloat(op, input)
  if (input.ndim !== target.ndim || input.shape.some((s, i) => s !== target.shape[i])) {
    throw new ShapeError(`${op}: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`)
  }
}

/** (input - target)^2, reduced. */
export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkPair('mseLoss', input, target)
  return reduceLoss(input.sub(target).square(), checkReduction('mseLoss', opts.reduction ?? 'mean'))
}

/** |input - target|, reduced. */
export function l1Loss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkPair('l1Loss', input, target)
  return reduceLoss(input.sub(target).abs(), checkReduction('l1Loss', opts.reduction ?? 'mean'))
}

export interface BceWithLogitsOptions {
  /** Per-element rescaling, broadcast to the input. */
  weight?: Tensor | null
  /** Weight of positive examples, broadcast along the last (class) dim. */
  posWeight?: Tensor | null
  reduction?: Reduction
}

/**
 * Binary cross-entropy on logits, stable for any magnitude:
 * (1 - t) x + (1 + (pw - 1) t) (log(1 + e^{-|x|}) + max(-x, 0)).
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  checkPair('binaryCrossEntropyWithLogits', input, target)
  const reduction = checkReduction('binaryCrossEntropyWithLogits', opts.reduction ?? 'mean')
  const t = target.to(input.dtype)
  const m = input.neg().relu() // max(-x, 0)
  const softplusNeg = m.neg().exp().add(input.neg().sub(m).exp()).log().add(m) // log(1 + e^{-x}) = log(e^{-m} + e^{-x-m}) + m
  const logWeight = opts.posWeight ? opts.posWeight.to(input.dtype).sub(1).mul(t).add(1) : null
  let loss = t.neg().add(1).mul(input).add(logWeight ? logWeight.mul(softplusNeg) : softplusNeg)
  if (opts.weight) loss = loss.mul(opts.weight.to(input.dtype))
  return reduceLoss(loss, reduction)
}
