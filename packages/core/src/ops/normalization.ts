// layerNorm and rmsNorm: one fused kernel each way, their composed rules beside
// them for createGraph.
import { recordFused } from '../autograd/fused.js'
import { needsGrad } from '../autograd/node.js'
import { getBackend } from '../backend/backend.js'
import type { FloatArray } from '../dtype.js'
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
 * Normalizes over the last dims (normalizedShape): (x - mean) / sqrt(var + eps) * weight + bias,
 * var biased. One backend kernel each way.
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  assertTensor('layerNorm', x)
  assertFloat('layerNorm', x)
  const dims = checkNormalizedShape('layerNorm', x, normalizedShape)
  checkAffine('layerNorm', weight, normalizedShape, 'weight')
  checkAffine('layerNorm', bias, normalizedShape, 'bias')
  if (!(eps >= 0)) throw new ValueError(`layerNorm: eps must be non-negative, got ${eps}`)
  const dtype = x.dtype
  let cols = 1
  for (const s of normalizedShape) cols *= s
  const rows = x.numel() / cols
  const w = weight ? floatData(weight, dtype) : null
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
        const arr = (t: Tensor | null) => (t ? (t.storage.data as FloatArray) : null)
        getBackend().layerNormBackward(x.contiguousData() as FloatArray, floatData(g, dtype), w, mean.storage.data as FloatArray, rstd.storage.data as FloatArray, arr(gx), arr(gw), arr(gb), rows, cols)
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
  assertTensor('rmsNorm', x)
  assertFloat('rmsNorm', x)
  const dims = checkNormalizedShape('rmsNorm', x, normalizedShape)
  checkAffine('rmsNorm', weight, normalizedShape, 'weight')
  const e = eps ?? (x.dtype === 'float64' ? 2.220446049250313e-16 : 1.1920928955078125e-7)
  if (!(e >= 0)) throw new ValueError(`rmsNorm: eps must be non-negative, got ${e}`)
  const dtype = x.dtype
  let cols = 1
  for (const s of normalizedShape) cols *= s
  const rows = x.numel() / cols
  const w = weight ? floatData(weight, dtype) : null
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
        const arr = (t: Tensor | null) => (t ? (t.storage.data as FloatArray) : null)
        getBackend().rmsNormBackward(x.contiguousData() as FloatArray, floatData(g, dtype), w, rstd.storage.data as FloatArray, arr(gx), arr(gw), rows, cols)
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
