// linearGelu: gelu(x W^T + b) as one fused op (a transformer's feed-forward
// up-projection). Forward: one gemm, then one kernel pass that adds the bias and
// applies GELU, keeping the pre-activation for the backward. Backward: one
// kernel pass gives the pre-activation's gradient and the bias gradient
// together, then the two gemms of linear. Its composed rule (Tensor ops) sits
// beside it for createGraph.
import { recordFused } from '../autograd/fused.js'
import { needsGrad } from '../autograd/node.js'
import { getBackend } from '../backend/backend.js'
import type { FloatArray } from '../dtype.js'
import { ValueError } from '../errors.js'
import { Tensor } from '../tensor.js'
import { geluComposed, geluTanhComposed } from './elementwise.js'
import { linear, linearInputGrads, linearOperands, linearProduct } from './matmul.js'
import { floatData } from './util.js'

export interface LinearGeluOptions {
  /** 'none': exact x Phi(x); 'tanh': PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh'
}

/** gelu(x W^T + b), W [out, in] as in linear; the same values as linear followed by gelu, in one node. */
export function linearGelu(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: LinearGeluOptions = {}): Tensor {
  const approximate = opts.approximate ?? 'none'
  if (approximate !== 'none' && approximate !== 'tanh') throw new ValueError(`linearGelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`)
  const tanh = approximate === 'tanh'
  const o = linearOperands('linearGelu', x, weight, bias)
  const grad = needsGrad(x, weight, bias)
  // without a graph the pre-activation is not kept: it is computed in y's buffer and overwritten there
  const y = Tensor.empty(o.outShape, o.dtype), pre = grad ? Tensor.empty(o.outShape, o.dtype) : y
  const pd = pre.storage.data as FloatArray, yd = y.storage.data as FloatArray, n = o.rows * o.outF
  linearProduct(o, pd, false)
  const be = getBackend()
  if (bias) be.biasGelu(pd, floatData(bias, o.dtype), pd, yd, o.rows, o.outF, tanh)
  else be.gelu(pd, yd, n, tanh)
  if (grad) {
    recordFused('linearGelu', y, [x, weight, bias], {
      // p = x W^T + b: gp = g gelu'(p); gx = gp W, gW = gp^T x, gb = gp summed over the rows
      kernel: (g) => {
        const gp = Tensor.empty(o.outShape, o.dtype)
        const gb = bias?.requiresGrad ? Tensor.empty([o.outF], o.dtype) : null
        const gd = floatData(g, o.dtype), gpd = gp.storage.data as FloatArray, p = pre.storage.data as FloatArray
        if (bias) be.biasGeluBackward(p, gd, gpd, gb ? (gb.storage.data as FloatArray) : null, o.rows, o.outF, tanh)
        else be.geluBackward(p, gd, gpd, n, tanh)
        return [...linearInputGrads(gp, x, weight), gb]
      },
      composed: (g) => {
        // p recomputed with Tensor ops, so gradients of these gradients reach x, W and b
        const p = linear(x, weight, bias)
        const gp = tanh ? geluTanhComposed(g, p) : geluComposed(g, p)
        return [...linearInputGrads(gp, x, weight), bias?.requiresGrad ? gp.reshape([o.rows, o.outF]).sum(0) : null]
      },
    }, [x, weight, ...(bias ? [bias] : []), pre])
  }
  return y
}
