// Classification losses on logits / log-probabilities. crossEntropy with class
// indices is one fused op: a backend kernel each way (log-softmax, the picked
// logit and label smoothing in one pass) and its composed rule for createGraph;
// the other cases (class weights, probability targets) and nllLoss are
// compositions of differentiable ops.
import { recordFused } from '../autograd/fused.js'
import { needsGrad } from '../autograd/node.js'
import { getBackend } from '../backend/backend.js'
import type { FloatArray } from '../dtype.js'
import { DTypeError, IndexError, ShapeError, ValueError, fmtShape } from '../errors.js'
import { Tensor } from '../tensor.js'
import { where } from './elementwise.js'
import { assertFloat, assertTensor, floatData } from './util.js'

export type Reduction = 'mean' | 'sum' | 'none'

export function checkReduction(op: string, r: unknown): Reduction {
  if (r === 'mean' || r === 'sum' || r === 'none') return r
  throw new ValueError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(r)}`)
}

/** The loss reduced as asked: itself, its sum or its mean. */
export function reduceLoss(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? loss : reduction === 'sum' ? loss.sum() : loss.mean()
}

export interface CrossEntropyOptions {
  /** A manual rescaling weight per class, shape [C]. */
  weight?: Tensor | null
  /** Targets equal to this index contribute nothing (default -100). */
  ignoreIndex?: number
  reduction?: Reduction
  /** Mixes the target with the uniform distribution: (1 - s) onehot + s / C. */
  labelSmoothing?: number
}

/** Input [N, C, d1...] (or [C]) as [rows, C] with the class dim last; target flattened to [rows]. */
function asRows(op: string, input: Tensor, target: Tensor): { x: Tensor; classes: number; targetShape: number[] } {
  if (input.ndim === 0) throw new ShapeError(`${op}: input must have at least 1 dim (classes), got a 0-d tensor`)
  const classes = input.ndim === 1 ? input.shape[0] : input.shape[1]
  const want = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)]
  if (target.ndim !== want.length || target.shape.some((s, i) => s !== want[i])) {
    throw new ShapeError(`${op}: target of shape ${fmtShape(target.shape)} does not match input ${fmtShape(input.shape)} (expected target shape ${fmtShape(want)})`)
  }
  let x = input
  if (input.ndim === 1) x = input.unsqueeze(0)
  else if (input.ndim > 2) x = input.permute([0, ...input.shape.slice(2).map((_, i) => i + 2), 1]).reshape([-1, classes])
  return { x, classes, targetShape: want }
}

function checkTargets(op: string, t: Int32Array, classes: number, ignoreIndex: number): number {
  let valid = 0
  for (let i = 0; i < t.length; i++) {
    const v = t[i]
    if (v === ignoreIndex) continue
    if (v < 0 || v >= classes) throw new IndexError(`${op}: target ${v} out of range for ${classes} classes (ignoreIndex is ${ignoreIndex})`)
    valid++
  }
  return valid
}

/** Smoothed target distribution per row ((1 - s) onehot + s / C, zero rows for ignored targets) and the [rows, 1] bool valid-row mask. */
function targetDistribution(t: Int32Array, rows: number, classes: number, ignoreIndex: number, s: number, dtype: Tensor['dtype']): { q: Tensor; valid: Tensor } {
  const q = Tensor.zeros([rows, classes], dtype), valid = Tensor.zeros([rows, 1], 'bool')
  const qd = q.storage.data, vd = valid.storage.data
  for (let r = 0; r < rows; r++) {
    if (t[r] === ignoreIndex) continue
    vd[r] = 1
    qd.fill(s / classes, r * classes, (r + 1) * classes)
    qd[r * classes + t[r]] += 1 - s
  }
  return { q, valid }
}

/**
 * Cross-entropy between logits (input [N, C], [C] or [N, C, d1...]) and a target of
 * int32 class indices ([N], [] or [N, d1...]) or of class probabilities (input's shape).
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  assertTensor('crossEntropy', input)
  assertTensor('crossEntropy', target, 'target')
  assertFloat('crossEntropy', input)
  const reduction = checkReduction('crossEntropy', opts.reduction ?? 'mean')
  const s = opts.labelSmoothing ?? 0
  if (typeof s !== 'number' || !(s >= 0 && s <= 1)) throw new ValueError(`crossEntropy: labelSmoothing must be in [0, 1], got ${s}`)
  const ignoreIndex = opts.ignoreIndex ?? -100
  if (!Number.isInteger(ignoreIndex)) throw new ValueError(`crossEntropy: ignoreIndex must be an integer, got ${ignoreIndex}`)
  const weight = opts.weight ?? null
  if (target.dtype === 'float32' || target.dtype === 'float64') return crossEntropyProbs(input, target, weight, s, reduction)
  if (target.dtype !== 'int32') throw new DTypeError(`crossEntropy: target must hold int32 class indices or float probabilities, got ${target.dtype}`)
  const { x, classes, targetShape } = asRows('crossEntropy', input, target)
  if (weight) checkClassWeight('crossEntropy', weight, classes)
  const t = target.contiguousData() as Int32Array
  const valid = checkTargets('crossEntropy', t, classes, ignoreIndex)
  if (weight) return crossEntropyWeighted(x, t, weight, ignoreIndex, s, reduction, targetShape)
  const rows = t.length, dtype = x.dtype
  const losses = Tensor.empty([rows], dtype), lse = Tensor.empty([rows], dtype)
  getBackend().crossEntropy(x.contiguousData() as FloatArray, t, losses.storage.data as FloatArray, lse.storage.data as FloatArray, rows, classes, ignoreIndex, s)
  if (needsGrad(x)) {
    // d loss_r / d x[r, c] = g_r (softmax(x[r])[c] - q[r, c]), q the smoothed one-hot target (0 for ignored rows)
    recordFused('crossEntropy', losses, [x], {
      kernel: (g) => {
        const gx = Tensor.empty([rows, classes], dtype)
        getBackend().crossEntropyBackward(x.contiguousData() as FloatArray, t, lse.storage.data as FloatArray, floatData(g, dtype), gx.storage.data as FloatArray, rows, classes, ignoreIndex, s)
        return [gx]
      },
      composed: (g) => {
        const { q, valid: v } = targetDistribution(t, rows, classes, ignoreIndex, s, dtype)
        return [where(v, x.softmax(-1).sub(q), 0).mul(g.unsqueeze(-1))]
      },
    }, [x])
  }
  if (reduction === 'none') return losses.reshape(targetShape)
  if (reduction === 'sum') return losses.sum()
  return losses.sum().div(valid) // mean over non-ignored targets (NaN when all are ignored, as in PyTorch)
}

function checkClassWeight(op: string, weight: Tensor, classes: number): void {
  assertTensor(op, weight, 'weight')
  if (weight.ndim !== 1 || weight.shape[0] !== classes) throw new ShapeError(`${op}: weight must have shape [${classes}] (one per class), got ${fmtShape(weight.shape)}`)
}

/** Targets as a [rows, 1] int32 index (ignored rows point at class 0) and a [rows] bool mask of valid rows. */
function pickIndex(t: Int32Array, ignoreIndex: number): { index: Tensor; valid: Tensor } {
  const index = Tensor.zeros([t.length, 1], 'int32'), valid = Tensor.zeros([t.length], 'bool')
  for (let r = 0; r < t.length; r++) if (t[r] !== ignoreIndex) { index.storage.data[r] = t[r]; valid.storage.data[r] = 1 }
  return { index, valid }
}

/** With class weights w: loss_r = (1 - s) w[t] nll_r + (s / C) sum_c w_c (-logp_rc); mean divides by the sum of w[t] over valid rows. */
function crossEntropyWeighted(x: Tensor, t: Int32Array, weight: Tensor, ignoreIndex: number, s: number, reduction: Reduction, targetShape: number[]): Tensor {
  const classes = x.shape[1]
  const logp = x.logSoftmax(-1)
  const { index, valid } = pickIndex(t, ignoreIndex)
  const w = weight.to(x.dtype)
  const wt = where(valid, w.indexSelect(0, index.reshape([-1])), 0) // w[t] per row, 0 for ignored rows
  let loss = where(valid, logp.gather(1, index).squeeze(1).neg(), 0).mul(wt)
  if (s > 0) loss = loss.mul(1 - s).add(where(valid, logp.mul(w).sum(-1).neg(), 0).mul(s / classes))
  if (reduction === 'none') return loss.reshape(targetShape)
  if (reduction === 'sum') return loss.sum()
  return loss.sum().div(wt.sum())
}

/** Probability targets: loss_r = -sum_c w_c q_rc logp_rc with q smoothed; mean divides by the number of rows. */
function crossEntropyProbs(input: Tensor, target: Tensor, weight: Tensor | null, s: number, reduction: Reduction): Tensor {
  if (target.ndim !== input.ndim || target.shape.some((d, i) => d !== input.shape[i])) {
    throw new ShapeError(`crossEntropy: probability target of shape ${fmtShape(target.shape)} must match the input's shape ${fmtShape(input.shape)}`)
  }
  const classDim = input.ndim === 1 ? 0 : 1
  const classes = input.shape[classDim]
  let q = target.to(input.dtype)
  if (s > 0) q = q.mul(1 - s).add(s / classes)
  let prod = input.logSoftmax(classDim).mul(q)
  if (weight) {
    checkClassWeight('crossEntropy', weight, classes)
    const shape = input.shape.map((_, i) => (i === classDim ? classes : 1))
    prod = prod.mul(weight.to(input.dtype).reshape(shape))
  }
  const loss = prod.sum(classDim).neg()
  if (reduction === 'none') return loss
  if (reduction === 'sum') return loss.sum()
  return loss.sum().div(input.numel() / classes)
}

export interface NllLossOptions {
  weight?: Tensor | null
  ignoreIndex?: number
  reduction?: Reduction
}

/** Negative log-likelihood of log-probabilities input [N, C] (or [C], [N, C, d1...]) at int32 targets. */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  assertTensor('nllLoss', input)
  assertTensor('nllLoss', target, 'target')
  assertFloat('nllLoss', input)
  if (target.dtype !== 'int32') throw new DTypeError(`nllLoss: target must hold int32 class indices, got ${target.dtype}`)
  const reduction = checkReduction('nllLoss', opts.reduction ?? 'mean')
  const ignoreIndex = opts.ignoreIndex ?? -100
  const { x, classes, targetShape } = asRows('nllLoss', input, target)
  const t = target.contiguousData() as Int32Array
  checkTargets('nllLoss', t, classes, ignoreIndex)
  const { index, valid } = pickIndex(t, ignoreIndex)
  let wt = valid.to(x.dtype)
  if (opts.weight) {
    checkClassWeight('nllLoss', opts.weight, classes)
    wt = where(valid, opts.weight.to(x.dtype).indexSelect(0, index.reshape([-1])), 0)
  }
  const loss = where(valid, x.gather(1, index).squeeze(1).neg(), 0).mul(wt)
  if (reduction === 'none') return loss.reshape(targetShape)
  if (reduction === 'sum') return loss.sum()
  return loss.sum().div(wt.sum())
}
