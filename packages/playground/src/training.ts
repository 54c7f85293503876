// The training tab's model: a 2-layer tanh MLP learning two interleaved
// spirals (as `pnpm demo`), one full-batch SGD step at a time, with the
// learning rate read at every step so a slider can change it live.
import { Generator, type Tensor, arange, noGrad, randn, tensor } from '@adjoint/core'

export interface Spirals {
  /** [2N, 2] points and [2N, 1] labels (0 or 1). */
  X: Tensor
  Y: Tensor
}

export function makeSpirals(perClass = 100, seed = 0): Spirals {
  const generator = new Generator(seed)
  const t = arange(0, perClass).div(perClass).mul(3 * Math.PI)
  const r = t.div(3 * Math.PI).add(0.1)
  const arm = (sign: number) => r.mul(t.cos()).mul(sign).unsqueeze(1).cat([r.mul(t.sin()).mul(sign).unsqueeze(1)], 1)
  const X = arm(1).cat([arm(-1)], 0).add(randn([2 * perClass, 2], { generator }).mul(0.02))
  const Y = tensor([...Array(perClass).fill(0), ...Array(perClass).fill(1)]).unsqueeze(1)
  return { X, Y }
}

export class SpiralTrainer {
  readonly params: Tensor[]
  readonly losses: number[] = []

  constructor(readonly data: Spirals, hidden = 32, seed = 0) {
    const generator = new Generator(seed)
    const param = (shape: number[], scale: number) => randn(shape, { generator }).mul(scale).requiresGrad_(true)
    this.params = [param([2, hidden], 1), param([hidden], 0), param([hidden, hidden], 1 / Math.sqrt(hidden)), param([hidden], 0), param([hidden, 1], 1 / Math.sqrt(hidden)), param([1], 0)]
  }

  /** Logits [n, 1] for points x [n, 2]. */
  forward(x: Tensor): Tensor {
    const [W1, b1, W2, b2, W3, b3] = this.params
    return x.matmul(W1).add(b1).tanh().matmul(W2).add(b2).tanh().matmul(W3).add(b3)
  }

  /** One SGD step on the full batch; returns the loss before the update. */
  step(lr: number): number {
    const z = this.forward(this.data.X)
    // binary cross-entropy on logits: max(z,0) - y z + log(1 + e^-|z|)
    const loss = z.clamp(0).sub(z.mul(this.data.Y)).add(z.abs().neg().exp().add(1).log()).mean()
    for (const p of this.params) p.grad = null
    loss.backward()
    noGrad(() => { for (const p of this.params) p.sub_(p.grad!.mul(lr)) })
    const value = loss.item()
    this.losses.push(value)
    return value
  }

  /** P(class 1) on an n x n grid over [-extent, extent]², row-major from the top-left. */
  probabilities(n: number, extent: number): Float32Array {
    return noGrad(() => {
      const coords = new Float32Array(n * n * 2)
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        coords[2 * (i * n + j)] = -extent + (2 * extent * (j + 0.5)) / n
        coords[2 * (i * n + j) + 1] = extent - (2 * extent * (i + 0.5)) / n
      }
      const z = this.forward(tensor(coords, { shape: [n * n, 2] }))
      return Float32Array.from(z.sigmoid().contiguousData(), Number)
    })
  }

  accuracy(): number {
    return noGrad(() => this.forward(this.data.X).gt(0).eq(this.data.Y.gt(0.5)).float().mean().item())
  }
}
