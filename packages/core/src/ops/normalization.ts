// layerNorm and rmsNorm: one fused kernel each way, their composed rules beside
// them for createGraph.
import { recordFused } from '../autograd/fused.js'
import { needsGrad } from '../autograd/node.js'
import { getBackend } from '../backend/backend.js'
import type { DType, FloatArray } from '../dtype.js'
import { ShapeError, ValueError, fmtShape } from '../errors.js'
import { Tensor } from '../tensor.js'
import { assertFloat, assertTensor, floatData } from './util.js'

/** The dims normalized over (the last normalizedShape.length ones), after checking that x ends with normalizedShape. */
function checkNormalizedShape(op: string, x: Tensor, normalizedShape: readonly number[]): number[] {
  if (!Array.isArray(normalizedShape) || normalizedShape.length === 0 || normalizedShape.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new ValueError(`${op}: normalizedShape must be a non-empty array of positive sizes, got ${JSON.stringify(normalizedShape)}`)
  }
  const k = normalizedShape.length
  const tail = x.shape.slice(x.ndim - k)
  if (x.ndim < k || tail.some((s, i) => s !== normalizedShape[i])) {
    throw new ShapeError(`${op}: input of shape ${fmtShape(x.shape)} does not end with normalizedShape ${fmtShape(normalizedShape)}`)
  }
  return Array.from({ length: k }, (_, i) => x.ndim - k + i)
}

function checkAffine(op: string, p: Tensor | null | undefined, normalizedShape: readonly number[], what: string): void {
  if (p === null || p === undefined) return
  assertTensor(op, p, what)
  if (p.ndim !== normalizedShape.length || p.shape.some((s, i) => s !== normalizedShape[i])) {
    throw new ShapeError(`${op}: ${what} must have shape ${fmtShape(normalizedShape)} (normalizedShape), got ${fmtShape(p.shape)}`)
  }
}

/**
 * The checks both norms open with, in order (x a float tensor ending with normalizedShape, each
 * affine tensor of that shape, eps >= 0), and what their kernels are called with: the normalized
 * dims, rows x cols, and the weight's data in x's dtype. eps is a function of x's dtype (read once
 * x is known to be a tensor).
 */
function normInputs(op: string, x: Tensor, normalizedShape: readonly number[], affine: Record<string, Tensor | null | undefined>, epsOf: (dtype: DType) => number) {
  assertTensor(op, x)
  assertFloat(op, x)
  const dims = checkNormalizedShape(op, x, normalizedShape)
  for (const [what, p] of Object.entries(affine)) checkAffine(op, p, normalizedShape, what)
  const eps = epsOf(x.dtype)
  if (!(eps >= 0)) throw new ValueError(`${op}: eps must be non-negative, got ${eps}`)
  let cols = 1
  for (const s of normalizedShape) cols *= s
  const rows = x.numel() / cols
  const weight = affine.weight
  return { dims, eps, rows, cols, w: weight ? floatData(weight, x.dtype) : null }
}

/** torch.finfo(dtype).eps: rmsNorm's default eps. */
const machineEpsilon = (dtype: DType) => (dtype === 'float64' ? 2.220446049250313e-16 : 1.1920928955078125e-7)

/** A gradient buffer's data, or null where that gradient is not wanted. */
const dataOrNull = (t: Tensor | null) => (t ? (t.storage.data as FloatArray) : null)

/**
 * Normalizes over the last dims (normalizedShape): (x - mean) / sqrt(var + eps) * weight + bias,
 * var biased. One backend kernel each way.
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const { dims, rows, cols, w } = normInputs('layerNorm', x, normalizedShape, { weight, bias }, () => eps)
  const dtype = x.dtype
  const b = bias ? floatData(bias, dtype) : null
  const y = Tensor.empty(x.layout, dtype)
  const mean = Tensor.empty([rows], dtype), rstd = Tensor.empty([rows], dtype)
  getBackend().layerNorm(x.contiguousData() as FloatArray, w, b, y.storage.data as FloatArray, mean.storage.data as FloatArray, rstd.storage.data as FloatArray, rows, cols, eps)
  if (needsGrad(x, weight, bias)) {
    const saved = [x, weight, bias].filter((t): t is Tensor => t instanceof Tensor)
    recordFused('layerNorm', y, [x, weight, bias], {
      // xhat = (x - mean) rstd, h = g w: gx = rstd (h - mean(h) - xhat mean(h xhat)); gw = sum g xhat; gb = sum g
      kernel: (g) => {
        const gx = x.requiresGrad ? Tensor.empty(x.layout, dtype) : null
        const gw = weight?.requiresGrad ? Tensor.empty(weight.shape, dtype) : null
        const gb = bias?.requiresGrad ? Tensor.empty(bias.shape, dtype) : null
        getBackend().layerNormBackward(x.contiguousData() as FloatArray, floatData(g, dtype), w, mean.storage.data as FloatArray, rstd.storage.data as FloatArray, dataOrNull(gx), dataOrNull(gw), dataOrNull(gb), rows, cols)
        return [gx, gw, gb]
      },
      composed: (g) => layerNormBackwardComposed(g, x, weight ?? null, bias ?? null, dims, eps),
    }, saved)
  }
  return y
}

/** layerNorm's backward as Tensor ops, so gradients of gradients work (createGraph). */
function layerNormBackwardComposed(g: Tensor, x: Tensor, weight: Tensor | null, bias: Tensor | null, dims: number[], eps: number): (Tensor | null)[] {
  const xc = x.sub(x.mean(dims, true))
  const rstd = xc.square().mean(dims, true).add(eps).rsqrt()
  const xhat = xc.mul(rstd)
  const h = weight ? g.mul(weight) : g
  const gx = x.requiresGrad ? rstd.mul(h.sub(h.mean(dims, true)).sub(xhat.mul(h.mul(xhat).mean(dims, true)))) : null
  // gw, gb have x's shape here: the engine sums them over the leading dims
  return [gx, weight?.requiresGrad ? g.mul(xhat) : null, bias?.requiresGrad ? g : null]
}

/**
 * x / sqrt(mean(x^2) + eps) * weight over the last dims (T5's LayerNorm: no mean subtraction, no bias);
 * eps defaults to the dtype's machine epsilon (as PyTorch). One backend kernel each way.
 */
export function rmsNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, eps?: number | null): Tensor {
  const { dims, rows, cols, w, eps: e } = normInputs('rmsNorm', x, normalizedShape, { weight }, (dtype) => eps ?? machineEpsilon(dtype))
  const dtype = x.dtype
  const y = Tensor.empty(x.layout, dtype)
  const rstd = Tensor.empty([rows], dtype)
  getBackend().rmsNorm(x.contiguousData() as FloatArray, w, y.storage.data as FloatArray, rstd.storage.data as FloatArray, rows, cols, e)
  if (needsGrad(x, weight)) {
    const saved = [x, weight].filter((t): t is Tensor => t instanceof Tensor)
    recordFused('rmsNorm', y, [x, weight], {
      // xhat = x rstd, h = g w: gx = rstd (h - xhat mean(h xhat)); gw = sum g xhat
      kernel: (g) => {
        const gx = x.requiresGrad ? Tensor.empty(x.layout, dtype) : null
        const gw = weight?.requiresGrad ? Tensor.empty(weight.shape, dtype) : null
        getBackend().rmsNormBackward(x.contiguousData() as FloatArray, floatData(g, dtype), w, rstd.storage.data as FloatArray, dataOrNull(gx), dataOrNull(gw), rows, cols)
        return [gx, gw]
      },
      composed: (g) => rmsNormBackwardComposed(g, x, weight ?? null, dims, e),
    }, saved)
  }
  return y
}

/** rmsNorm's backward as Tensor ops, so gradients of gradients work (createGraph). */
function rmsNormBackwardComposed(g: Tensor, x: Tensor, weight: Tensor | null, dims: number[], eps: number): (Tensor | null)[] {
  const rstd = x.square().mean(dims, true).add(eps).rsqrt()
  const xhat = x.mul(rstd)
  const h = weight ? g.mul(weight) : g
  const gx = x.requiresGrad ? rstd.mul(h.sub(xhat.mul(h.mul(xhat).mean(dims, true)))) : null
  // gw has x's shape here: the engine sums it over the leading dims
  return [gx, weight?.requiresGrad ? g.mul(xhat) : null]
}
