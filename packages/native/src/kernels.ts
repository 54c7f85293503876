// Adapts core's Backend kernel signatures (gemm, softmax family, layer norm,
// cross-entropy, GELU) to the addon's positional calls.
// Anything the addon does not do (mixed dtypes, int arrays) or would do slower
// than TS (tiny gemm, where the N-API boundary dominates) goes to the reference
// kernel: never a silently different result.
import type { Backend, FloatArray, GemmArgs } from '@adjoint/core'
import type { NativeAddon } from './addon.js'
import { elementwiseKernels } from './elementwise-kernels.js'
import { optimizerKernels } from './optim-kernels.js'

/**
 * gemm with batch * m * n * k below this stays in TS: a native call costs
 * ~0.5 µs of boundary, about what the TS kernel needs for 8x8x8 (measured, see
 * docs/benchmarks.md). Tune with `setSmallGemmThreshold`.
 */
export let smallGemmThreshold = 512

export function setSmallGemmThreshold(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`setSmallGemmThreshold: expected an integer >= 0, got ${n}`)
  smallGemmThreshold = n
}

/** True when every array given is a Float32Array, or every one a Float64Array (nulls skipped). */
function sameFloat(...arrays: (FloatArray | null)[]): boolean {
  const f32 = arrays[0] instanceof Float32Array
  for (const x of arrays) {
    if (x === null) continue
    if (f32 ? !(x instanceof Float32Array) : !(x instanceof Float64Array)) return false
  }
  return true
}

/** beforeFirstGemm runs once, before the first gemm reaches the addon (index.ts decides OpenBLAS vs own there). */
export function nativeKernels(addon: NativeAddon, reference: () => Backend, beforeFirstGemm: () => void = () => {}): Partial<Backend> {
  let first = true
  return {
    gemm(g: GemmArgs): void {
      if (!sameFloat(g.a, g.b, g.c) || g.batch * g.m * g.n * g.k < smallGemmThreshold) return reference().gemm(g)
      if (first) {
        first = false
        beforeFirstGemm()
      }
      addon.gemm(
        g.a, g.aOffset, g.aBatchStride, g.aRowStride, g.aColStride,
        g.b, g.bOffset, g.bBatchStride, g.bRowStride, g.bColStride,
        g.c, g.cOffset, g.cBatchStride, g.cRowStride,
        g.batch, g.m, g.n, g.k, g.alpha, g.beta,
      )
    },
    softmax(x, out, rows, cols) {
      if (!sameFloat(x, out)) return reference().softmax(x, out, rows, cols)
      addon.softmax(x, out, rows, cols)
    },
    logSoftmax(x, out, rows, cols) {
      if (!sameFloat(x, out)) return reference().logSoftmax(x, out, rows, cols)
      addon.logSoftmax(x, out, rows, cols)
    },
    softmaxBackward(y, gy, gx, rows, cols) {
      if (!sameFloat(y, gy, gx)) return reference().softmaxBackward(y, gy, gx, rows, cols)
      addon.softmaxBackward(y, gy, gx, rows, cols)
    },
    logSoftmaxBackward(y, gy, gx, rows, cols) {
      if (!sameFloat(y, gy, gx)) return reference().logSoftmaxBackward(y, gy, gx, rows, cols)
      addon.logSoftmaxBackward(y, gy, gx, rows, cols)
    },
    layerNorm(x, w, b, y, mean, rstd, rows, cols, eps) {
      if (!sameFloat(x, w, b, y, mean, rstd)) return reference().layerNorm(x, w, b, y, mean, rstd, rows, cols, eps)
      addon.layerNorm(x, w, b, y, mean, rstd, rows, cols, eps)
    },
    layerNormBackward(x, gy, w, mean, rstd, gx, gw, gb, rows, cols) {
      if (!sameFloat(x, gy, w, mean, rstd, gx, gw, gb)) return reference().layerNormBackward(x, gy, w, mean, rstd, gx, gw, gb, rows, cols)
      addon.layerNormBackward(x, gy, w, mean, rstd, gx, gw, gb, rows, cols)
    },
    // GELU: float32 in C++ (vectorised, threaded); float64 stays with the TS kernel
    gelu(x, y, n, approximate) {
      if (!(x instanceof Float32Array && y instanceof Float32Array)) return reference().gelu(x, y, n, approximate)
      addon.gelu(x, y, n, approximate)
    },
    geluBackward(x, gy, gx, n, approximate) {
      if (!(x instanceof Float32Array && gy instanceof Float32Array && gx instanceof Float32Array)) return reference().geluBackward(x, gy, gx, n, approximate)
      addon.geluBackward(x, gy, gx, n, approximate)
    },
    crossEntropy(x, target, loss, lse, rows, cols, ignoreIndex, labelSmoothing) {
      if (!sameFloat(x, loss, lse)) return reference().crossEntropy(x, target, loss, lse, rows, cols, ignoreIndex, labelSmoothing)
      addon.crossEntropy(x, target, loss, lse, rows, cols, ignoreIndex, labelSmoothing)
    },
    crossEntropyBackward(x, target, lse, gLoss, gx, rows, cols, ignoreIndex, labelSmoothing) {
      if (!sameFloat(x, lse, gLoss, gx)) return reference().crossEntropyBackward(x, target, lse, gLoss, gx, rows, cols, ignoreIndex, labelSmoothing)
      addon.crossEntropyBackward(x, target, lse, gLoss, gx, rows, cols, ignoreIndex, labelSmoothing)
    },
    ...optimizerKernels(addon, reference),
    ...elementwiseKernels(addon, reference),
  }
}
