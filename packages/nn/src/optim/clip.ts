// Gradient clipping, in place on the gradients' TypedArrays.
import { Tensor, ValueError, getBackend, type FloatArray } from '@adjoint/core'

function gradsOf(op: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters]
  for (const p of list) if (!(p instanceof Tensor)) throw new ValueError(`${op}: expected Tensors, got ${p === null ? 'null' : typeof p}`)
  return list.filter((p) => p.grad !== null).map((p) => p.grad!)
}

/**
 * Scales all gradients together so their joint norm is at most maxNorm:
 * g *= min(1, maxNorm / (total + 1e-6)). Returns the total norm before clipping.
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, opts: { normType?: number; errorIfNonfinite?: boolean } = {}): number {
  const normType = opts.normType ?? 2
  if (!(maxNorm >= 0)) throw new ValueError(`clipGradNorm_: maxNorm must be non-negative, got ${maxNorm}`)
  if (!(normType > 0)) throw new ValueError(`clipGradNorm_: normType must be positive (or Infinity), got ${normType}`)
  const grads = gradsOf('clipGradNorm_', parameters)
  if (grads.length === 0) return 0
  let total = 0
  if (normType === 2) {
    // one fused pass per dtype over every gradient (the backend's sumSquares)
    for (const part of byDtype(grads)) total += getBackend().sumSquares(part.map((g) => g.contiguousData() as FloatArray))
  } else {
    for (const g of grads) {
      const d = g.contiguousData() as FloatArray
      if (normType === Infinity) for (let i = 0; i < d.length; i++) total = Math.max(total, Math.abs(d[i]))
      else for (let i = 0; i < d.length; i++) total += Math.abs(d[i]) ** normType
    }
  }
  if (normType === 2) total = Math.sqrt(total)
  else if (normType !== Infinity) total = total ** (1 / normType)
  if (opts.errorIfNonfinite && !Number.isFinite(total)) throw new ValueError(`clipGradNorm_: the total norm of order ${normType} of the gradients is ${total}; set errorIfNonfinite false to clip anyway`)
  const coef = maxNorm / (total + 1e-6)
  if (coef < 1 || Number.isNaN(coef)) {
    // contiguous gradients: one backend scale per dtype; views go through mul_
    const flat = grads.filter((g) => g.isContiguous())
    for (const part of byDtype(flat)) getBackend().scaleAll(part.map((g) => g.data as FloatArray), coef)
    for (const g of flat) g.storage.version++
    for (const g of grads) if (!g.isContiguous()) g.detach().mul_(coef)
  }
  return total
}

function byDtype(ts: Tensor[]): Tensor[][] {
  const parts = new Map<string, Tensor[]>()
  for (const t of ts) { const l = parts.get(t.dtype); if (l) l.push(t); else parts.set(t.dtype, [t]) }
  return [...parts.values()]
}

/** Clamps every gradient element to [-clipValue, clipValue]. */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (!(clipValue >= 0)) throw new ValueError(`clipGradValue_: clipValue must be non-negative, got ${clipValue}`)
  for (const g of gradsOf('clipGradValue_', parameters)) {
    if (!g.isContiguous()) { g.detach().clamp_(-clipValue, clipValue); continue }
    const d = g.data as FloatArray
    for (let i = 0; i < d.length; i++) d[i] = Math.min(Math.max(d[i], -clipValue), clipValue)
    g.storage.version++
  }
}
