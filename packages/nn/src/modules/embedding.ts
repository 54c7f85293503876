// Embedding: a lookup table of learnable rows.
import { Tensor } from '@adjoint/core'
import { embedding, normalizePaddingIdx } from '../functional/linear.js'
import { normal_, zeros_ } from '../init.js'
import { Module } from '../module.js'
import { Parameter } from '../parameter.js'
import { checkSize, type LayerOptions } from './linear.js'

/** Rows of weight [numEmbeddings, embeddingDim] ~ N(0, 1); the paddingIdx row starts at zero and gets no gradient. */
export class Embedding extends Module {
  weight: Parameter
  readonly paddingIdx: number | null

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: LayerOptions & { paddingIdx?: number | null } = {}) {
    super()
    checkSize('Embedding', 'numEmbeddings', numEmbeddings)
    checkSize('Embedding', 'embeddingDim', embeddingDim)
    this.paddingIdx = normalizePaddingIdx('Embedding', opts.paddingIdx, numEmbeddings)
    this.weight = new Parameter(Tensor.zeros([numEmbeddings, embeddingDim], opts.dtype ?? 'float32'))
    this.resetParameters()
  }

  resetParameters(): void {
    normal_(this.weight)
    if (this.paddingIdx !== null) zeros_(this.weight.detach().narrow(0, this.paddingIdx, 1))
  }

  override forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx })
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`
  }
}
