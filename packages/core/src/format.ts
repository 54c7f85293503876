// PyTorch-like printing: tensor([[1.0000, 2.0000], ...], shape=[2, 2], dtype=float32).
import type { Tensor } from './tensor.js'

const EDGE = 3, THRESHOLD = 1000

export function formatTensor(t: Tensor): string {
  const flat = t.contiguousData()
  const summarize = flat.length > THRESHOLD
  const fmt = numberFormatter(t, flat)
  const body = formatDim(t, flat, fmt, 0, 0, summarize, 'tensor('.length)
  const extras = [`shape=[${t.shape.join(', ')}]`, `dtype=${t.dtype}`]
  if (t.requiresGrad) extras.push(t.gradFn ? `gradFn=<${t.gradFn.op}>` : 'requiresGrad=true')
  return `tensor(${body}, ${extras.join(', ')})`
}

function numberFormatter(t: Tensor, flat: ArrayLike<number>): (v: number) => string {
  if (t.dtype === 'bool') return (v) => (v ? 'true' : 'false')
  if (t.dtype === 'int32') return (v) => String(v)
  let allInt = true, maxAbs = 0, minAbs = Infinity
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]
    if (!Number.isFinite(v)) continue
    if (!Number.isInteger(v)) allInt = false
    const a = Math.abs(v)
    if (a > maxAbs) maxAbs = a
    if (a !== 0 && a < minAbs) minAbs = a
  }
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf')
  if (allInt && maxAbs < 1e8) return (v) => (Number.isFinite(v) ? `${v}.` : special(v))
  if (maxAbs < 1e8 && (minAbs >= 1e-4 || minAbs === Infinity)) return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v))
  return (v) => (Number.isFinite(v) ? v.toExponential(4) : special(v))
}

function formatDim(t: Tensor, flat: ArrayLike<number>, fmt: (v: number) => string, dim: number, start: number, summarize: boolean, indent: number): string {
  if (t.ndim === 0) return fmt(flat[0])
  const n = t.shape[dim]
  let step = 1
  for (let d = dim + 1; d < t.ndim; d++) step *= t.shape[d]
  const idx: (number | null)[] = summarize && n > 2 * EDGE ? [...range(0, EDGE), null, ...range(n - EDGE, n)] : range(0, n)
  const parts = idx.map((i) => (i === null ? '...' : dim === t.ndim - 1 ? fmt(flat[start + i]) : formatDim(t, flat, fmt, dim + 1, start + i * step, summarize, indent + 1)))
  if (dim === t.ndim - 1) return `[${parts.join(', ')}]`
  const sep = ',' + '\n'.repeat(t.ndim - dim - 1) + ' '.repeat(indent + 1)
  return `[${parts.join(sep)}]`
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i)
}
