// A 2-layer MLP learns to classify two interleaved spirals, with nothing but
// @adjoint/core: tensors, autograd and a hand-written SGD step.
import { arange, manualSeed, noGrad, randn, tensor, type Tensor } from '@adjoint/core'

manualSeed(0)
const N = 200 // points per class
const t = arange(0, N).div(N).mul(3 * Math.PI) // angle along the spiral
const r = t.div(3 * Math.PI).add(0.1)
const spiral = (sign: number) => {
  const x = r.mul(t.cos()).mul(sign), y = r.mul(t.sin()).mul(sign)
  return x.unsqueeze(1).cat([y.unsqueeze(1)], 1)
}
const X = spiral(1).cat([spiral(-1)], 0).add(randn([2 * N, 2]).mul(0.02)) // [400, 2]
const Y = tensor([...Array(N).fill(0), ...Array(N).fill(1)]).unsqueeze(1) // [400, 1]

const H = 32
const param = (shape: number[], scale: number) => randn(shape).mul(scale).requiresGrad_(true)
const W1 = param([2, H], 1), b1 = param([H], 0), W2 = param([H, H], 1 / Math.sqrt(H)), b2 = param([H], 0)
const W3 = param([H, 1], 1 / Math.sqrt(H)), b3 = param([1], 0)
const params = [W1, b1, W2, b2, W3, b3]

const forward = (x: Tensor) => x.matmul(W1).add(b1).tanh().matmul(W2).add(b2).tanh().matmul(W3).add(b3)
// binary cross-entropy on logits z: softplus(z) - y z, written stably as max(z,0) - y z + log(1 + e^-|z|)
const bce = (z: Tensor, y: Tensor) => z.clamp(0).sub(z.mul(y)).add(z.abs().neg().exp().add(1).log()).mean()

const lr = 0.5
for (let step = 0; step <= 1500; step++) {
  const loss = bce(forward(X), Y)
  for (const p of params) p.grad = null
  loss.backward()
  noGrad(() => { for (const p of params) p.sub_(p.grad!.mul(lr)) })
  if (step % 150 === 0) {
    const acc = noGrad(() => forward(X).gt(0).eq(Y.gt(0.5)).float().mean().item())
    console.log(`step ${String(step).padStart(4)}  loss ${loss.item().toFixed(4)}  accuracy ${(acc * 100).toFixed(1)}%`)
  }
}
