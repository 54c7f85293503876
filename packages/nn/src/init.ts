// Weight initialization (torch.nn.init): fill a tensor in place, without
// recording autograd, from the seeded default generator (or opts.generator).
import { Generator, IndexError, Tensor, ValueError, defaultGenerator, noGrad } from '@adjoint/core'
import { erf, erfinv } from './special.js'

export interface InitOptions {
  generator?: Generator
}

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'leakyRelu' | 'selu'
export type FanMode = 'fanIn' | 'fanOut' | 'fan_in' | 'fan_out'

/** Writes draw(i) into every element of t (in row-major order) and bumps its version. */
function fill(op: string, t: Tensor, draw: (i: number) => number): Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`${op}: expected a Tensor, got ${t === null ? 'null' : typeof t}`)
  noGrad(() => {
    if (t.isContiguous()) {
      const d = t.data
      for (let i = 0; i < d.length; i++) d[i] = draw(i)
      t.storage.version++
    } else {
      const tmp = Tensor.empty(t.shape, t.dtype)
      const d = tmp.storage.data
      for (let i = 0; i < d.length; i++) d[i] = draw(i)
      t.detach().copy_(tmp)
    }
  })
  return t
}

/** The recommended gain for a nonlinearity (PyTorch's calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid': return 1
    case 'tanh': return 5 / 3
    case 'relu': return Math.SQRT2
    case 'leaky_relu': case 'leakyRelu': {
      const slope = param ?? 0.01
      if (!Number.isFinite(slope)) throw new ValueError(`calculateGain: negative slope ${param} is not a number`)
      return Math.sqrt(2 / (1 + slope * slope))
    }
    case 'selu': return 3 / 4
    default: throw new ValueError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`)
  }
}

/** fanIn = size(1) * receptive field, fanOut = size(0) * receptive field. */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new IndexError(`init: fan in and fan out can not be computed for a tensor with fewer than 2 dims (shape [${t.shape.join(',')}])`)
  let receptive = 1
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i]
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive }
}

const gen = (o: InitOptions) => o.generator ?? defaultGenerator

export function uniform_(t: Tensor, a = 0, b = 1, opts: InitOptions = {}): Tensor {
  const g = gen(opts)
  return fill('uniform_', t, () => a + (b - a) * g.uniform())
}

export function normal_(t: Tensor, mean = 0, std = 1, opts: InitOptions = {}): Tensor {
  if (!(std >= 0)) throw new ValueError(`normal_: std must be non-negative, got ${std}`)
  const g = gen(opts)
  return fill('normal_', t, () => mean + std * g.normal())
}

export function constant_(t: Tensor, value: number): Tensor {
  return fill('constant_', t, () => value)
}

export const zeros_ = (t: Tensor) => constant_(t, 0)
export const ones_ = (t: Tensor) => constant_(t, 1)

/** U(-a, a) with a = gain sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio). */
export function xavierUniform_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t)
  const a = gain * Math.sqrt(6 / (fanIn + fanOut))
  return uniform_(t, -a, a, opts)
}

/** N(0, std^2) with std = gain sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t)
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), opts)
}

export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU after this layer (default 0). */
  a?: number
  mode?: FanMode
  nonlinearity?: Nonlinearity
}

function kaimingStd(op: string, t: Tensor, opts: KaimingOptions): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t)
  const mode = opts.mode ?? 'fanIn'
  if (!['fanIn', 'fanOut', 'fan_in', 'fan_out'].includes(mode)) throw new ValueError(`${op}: mode must be 'fanIn' or 'fanOut', got ${JSON.stringify(mode)}`)
  const fan = mode === 'fanIn' || mode === 'fan_in' ? fanIn : fanOut
  if (fan === 0) return 0
  return calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0) / Math.sqrt(fan)
}

/** U(-b, b) with b = gain sqrt(3 / fan) (He et al.). */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, opts)
  return uniform_(t, -bound, bound, opts)
}

/** N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, opts), opts)
}

/**
 * N(mean, std^2) restricted to [a, b] (absolute bounds, as in PyTorch), drawn by
 * inverting the normal CDF on a uniform sample of [cdf(a), cdf(b)].
 */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, opts: InitOptions = {}): Tensor {
  if (!(std > 0) || !(a < b)) throw new ValueError(`truncNormal_: need std > 0 and a < b, got std ${std}, a ${a}, b ${b}`)
  const cdf = (x: number) => (1 + erf(x / Math.SQRT2)) / 2
  const lo = 2 * cdf((a - mean) / std) - 1, hi = 2 * cdf((b - mean) / std) - 1
  const g = gen(opts)
  return fill('truncNormal_', t, () => {
    const v = mean + std * Math.SQRT2 * erfinv(lo + (hi - lo) * g.uniform())
    return Math.min(Math.max(v, a), b)
  })
}
