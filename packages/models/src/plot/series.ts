// A named line of (x, y) points, what both plots draw.
export interface Series {
  name: string
  points: readonly (readonly [number, number])[]
}

/** [min, max] of the finite values, widened when flat or empty. */
export function extent(values: Iterable<number>): [number, number] {
  let lo = Infinity, hi = -Infinity
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v) }
  if (lo === Infinity) return [0, 1]
  if (lo === hi) return [lo - 0.5, hi + 0.5]
  return [lo, hi]
}

/** About n round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, n = 5): number[] {
  const raw = (hi - lo) / Math.max(1, n)
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag
  const out: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)))
  return out
}

export function fmtNum(v: number): string {
  if (v === 0) return '0'
  const a = Math.abs(v)
  if (a >= 1000) return v.toFixed(0)
  if (a >= 10) return v.toFixed(1).replace(/\.0$/, '')
  return Number(v.toPrecision(3)).toString()
}
