// Activation modules and Dropout (stateless wrappers of the functional ops).
import { Generator, Tensor, ValueError } from '@adjoint/core'
import { dropout } from '../functional/activation.js'
import { Module } from '../module.js'

export class ReLU extends Module {
  override forward(x: Tensor): Tensor { return x.relu() }
}

export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super()
    if (approximate !== 'none' && approximate !== 'tanh') throw new ValueError(`GELU: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`)
  }
  override forward(x: Tensor): Tensor { return x.gelu({ approximate: this.approximate }) }
  override extraRepr(): string { return this.approximate === 'none' ? '' : `approximate='${this.approximate}'` }
}

export class SiLU extends Module {
  override forward(x: Tensor): Tensor { return x.silu() }
}

export class Tanh extends Module {
  override forward(x: Tensor): Tensor { return x.tanh() }
}

export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor { return x.sigmoid() }
}

export class Softmax extends Module {
  constructor(readonly dim: number) { super() }
  override forward(x: Tensor): Tensor { return x.softmax(this.dim) }
  override extraRepr(): string { return `dim=${this.dim}` }
}

/**
 * Zeroes elements with probability p (scaling the rest by 1 / (1 - p)) in
 * training mode; the identity in eval mode. Draws from opts.generator, or the
 * global generator (manualSeed) so runs are reproducible.
 */
export class Dropout extends Module {
  readonly generator: Generator | undefined

  constructor(readonly p = 0.5, opts: { generator?: Generator } = {}) {
    super()
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ValueError(`Dropout: probability must be between 0 and 1, got ${p}`)
    this.generator = opts.generator
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, { generator: this.generator })
  }

  override extraRepr(): string {
    return `p=${this.p}`
  }
}
