// LayerNorm and RMSNorm.
import { Tensor, ValueError } from '@adjoint/core'
import { layerNorm, rmsNorm } from '../functional/normalization.js'
import { Module } from '../module.js'
import { Parameter } from '../parameter.js'
import type { LayerOptions } from './linear.js'

function shapeOf(op: string, s: number | readonly number[]): number[] {
  const shape = typeof s === 'number' ? [s] : [...s]
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) throw new ValueError(`${op}: normalizedShape must be a positive size or a non-empty array of them, got ${JSON.stringify(s)}`)
  return shape
}

export interface LayerNormOptions extends LayerOptions {
  eps?: number
  /** Learnable weight (init 1) and bias (init 0); default true. */
  elementwiseAffine?: boolean
  /** With elementwiseAffine, whether to have a bias (default true). */
  bias?: boolean
}

/** Normalizes the last dims to zero mean and unit variance, then scales and shifts. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[]
  readonly eps: number
  weight: Parameter | null
  bias: Parameter | null

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super()
    this.normalizedShape = shapeOf('LayerNorm', normalizedShape)
    this.eps = opts.eps ?? 1e-5
    const affine = opts.elementwiseAffine ?? true
    const dtype = opts.dtype ?? 'float32'
    this.weight = affine ? new Parameter(Tensor.zeros(this.normalizedShape, dtype).fill_(1)) : null
    this.bias = affine && opts.bias !== false ? new Parameter(Tensor.zeros(this.normalizedShape, dtype)) : null
  }

  override forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps)
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`
  }
}

/** x / sqrt(mean(x^2) + eps) * weight over the last dims (eps defaults to the dtype's machine epsilon). */
export class RMSNorm extends Module {
  readonly normalizedShape: number[]
  readonly eps: number | null
  weight: Parameter | null

  constructor(normalizedShape: number | readonly number[], opts: LayerOptions & { eps?: number | null; elementwiseAffine?: boolean } = {}) {
    super()
    this.normalizedShape = shapeOf('RMSNorm', normalizedShape)
    this.eps = opts.eps ?? null
    this.weight = opts.elementwiseAffine === false ? null : new Parameter(Tensor.zeros(this.normalizedShape, opts.dtype ?? 'float32').fill_(1))
  }

  override forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, this.weight, this.eps)
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`
  }
}
