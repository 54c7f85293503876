// Tensor values as text: a short form for a graph node, the full tensor for a tooltip.
import type { Tensor } from '@adjoint/core'

export function fmtNumber(v: number, digits = 4): string {
  if (Number.isNaN(v)) return 'nan'
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf'
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v)
  const s = v.toPrecision(digits)
  return s.includes('e') ? s : String(Number(s))
}

export const fmtShape = (shape: readonly number[]) => `[${shape.join(',')}]`

/** "12", "[1, 2, 3]" for up to 4 elements, else "min … max" of the values (and how many are NaN). */
export function brief(t: Tensor): string {
  const d = t.contiguousData()
  if (t.ndim === 0) return fmtNumber(Number(d[0]), 3)
  if (d.length <= 4) return `[${Array.from(d, (v) => fmtNumber(Number(v), 3)).join(', ')}]`
  let lo = Infinity, hi = -Infinity, nans = 0
  for (const v of d) { const x = Number(v); if (Number.isNaN(x)) nans++; if (x < lo) lo = x; if (x > hi) hi = x }
  const range = nans === d.length ? 'nan' : `${fmtNumber(lo, 3)} … ${fmtNumber(hi, 3)}`
  return nans ? `${range} (${nans} nan)` : range
}

/** The whole tensor, nested like its shape (up to `max` elements). */
export function full(t: Tensor, max = 400): string {
  if (t.numel() > max) return `${fmtShape(t.shape)}: ${t.numel()} elements (${brief(t)})`
  const d = Array.from(t.contiguousData(), (v) => fmtNumber(Number(v)))
  if (t.ndim === 0) return d[0]
  const rec = (dim: number, at: number, indent: string): string => {
    const n = t.shape[dim]
    if (dim === t.ndim - 1) return `[${d.slice(at, at + n).join(', ')}]`
    const stride = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1)
    const rows = Array.from({ length: n }, (_, i) => rec(dim + 1, at + i * stride, indent + ' '))
    return `[${rows.join(`,\n${indent} `)}]`
  }
  return rec(0, 0, '')
}

/** The values as a plain array (data attributes the browser test reads). */
export const flat = (t: Tensor): number[] => Array.from(t.contiguousData(), Number)
