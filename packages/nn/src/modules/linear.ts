// Linear and Identity.
import { Tensor, ValueError, type DType } from '@adjoint/core'
import { linear } from '../functional/linear.js'
import { kaimingUniform_, uniform_ } from '../init.js'
import { Module } from '../module.js'
import { Parameter } from '../parameter.js'

export interface LayerOptions {
  dtype?: DType
}

export function checkSize(op: string, what: string, n: unknown): number {
  if (!Number.isInteger(n) || (n as number) <= 0) throw new ValueError(`${op}: ${what} must be a positive integer, got ${String(n)}`)
  return n as number
}

/**
 * y = x W^T + b with W [outFeatures, inFeatures]. PyTorch's default init:
 * W ~ kaiming_uniform(a = sqrt 5), i.e. U(-1/sqrt(in), 1/sqrt(in)), and b likewise.
 */
export class Linear extends Module {
  weight: Parameter
  bias: Parameter | null

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LayerOptions & { bias?: boolean } = {}) {
    super()
    checkSize('Linear', 'inFeatures', inFeatures)
    checkSize('Linear', 'outFeatures', outFeatures)
    const dtype = opts.dtype ?? 'float32'
    this.weight = new Parameter(Tensor.zeros([outFeatures, inFeatures], dtype))
    this.bias = opts.bias === false ? null : new Parameter(Tensor.zeros([outFeatures], dtype))
    this.resetParameters()
  }

  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) })
    if (this.bias) {
      const bound = 1 / Math.sqrt(this.inFeatures)
      uniform_(this.bias, -bound, bound)
    }
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias)
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`
  }
}

/** forward(x) = x. */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x
  }
}
