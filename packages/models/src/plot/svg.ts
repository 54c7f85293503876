// The loss curve as a standalone SVG: one polyline per series, axes with round
// ticks plus the data's own lowest and highest values (so the labels span the
// curve), a legend, and optionally a second y axis on the right for series of
// another unit (the learning rate). Hand-written: no dependency, a few dozen lines.
import { extent, fmtNum, ticks, type Series } from './series.js'

export interface SvgOptions {
  width?: number
  height?: number
  title?: string
  xLabel?: string
  yLabel?: string
  /** Series drawn against a second y axis on the right (dashed), with its label. */
  right?: { series: readonly Series[]; label?: string }
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd']
const RIGHT_COLORS = ['#7f7f7f', '#8c564b']
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** Round ticks over [lo, hi] plus lo and hi themselves; round ones closer than 6% of the range to an end are dropped. */
export function axisTicks(lo: number, hi: number): number[] {
  const gap = 0.06 * (hi - lo)
  return [lo, ...ticks(lo, hi).filter((t) => t - lo > gap && hi - t > gap), hi]
}

const finiteValues = (series: readonly Series[], i: 0 | 1) => series.flatMap((s) => s.points.map((p) => p[i])).filter(Number.isFinite)

export function lineChartSvg(series: readonly Series[], opts: SvgOptions = {}): string {
  const W = opts.width ?? 640, H = opts.height ?? 400
  const right = opts.right && finiteValues(opts.right.series, 1).length > 0 ? opts.right : null
  const m = { l: 56, r: right ? 64 : 16, t: opts.title ? 32 : 12, b: 44 }
  const [x0, x1] = extent([...finiteValues(series, 0), ...(right ? finiteValues(right.series, 0) : [])])
  const [y0, y1] = extent(finiteValues(series, 1))
  const [r0, r1] = right ? extent(finiteValues(right.series, 1)) : [0, 1]
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r)
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b)
  const pr = (y: number) => H - m.b - ((y - r0) / (r1 - r0)) * (H - m.t - m.b)
  const o: string[] = []
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`)
  o.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  if (opts.title) o.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`)
  for (const t of axisTicks(y0, y1)) {
    const y = py(t).toFixed(1)
    o.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="#e5e5e5"/><text x="${m.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmtNum(t)}</text>`)
  }
  for (const t of ticks(x0, x1, 6)) {
    const x = px(t).toFixed(1)
    o.push(`<line x1="${x}" x2="${x}" y1="${H - m.b}" y2="${H - m.b + 4}" stroke="black"/><text x="${x}" y="${H - m.b + 16}" text-anchor="middle">${fmtNum(t)}</text>`)
  }
  o.push(`<polyline points="${m.l},${m.t} ${m.l},${H - m.b} ${W - m.r},${H - m.b}" fill="none" stroke="black"/>`)
  if (opts.xLabel) o.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">${esc(opts.xLabel)}</text>`)
  if (opts.yLabel) o.push(`<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`)
  if (right) {
    o.push(`<line x1="${W - m.r}" x2="${W - m.r}" y1="${m.t}" y2="${H - m.b}" stroke="black"/>`)
    for (const t of axisTicks(r0, r1)) {
      const y = pr(t).toFixed(1)
      o.push(`<line x1="${W - m.r}" x2="${W - m.r + 4}" y1="${y}" y2="${y}" stroke="black"/><text x="${W - m.r + 6}" y="${y}" dominant-baseline="middle">${fmtNum(t)}</text>`)
    }
    if (right.label) o.push(`<text transform="translate(${W - 10} ${(m.t + H - m.b) / 2}) rotate(90)" text-anchor="middle">${esc(right.label)}</text>`)
  }
  const all = [...series.map((s, i) => ({ s, color: COLORS[i % COLORS.length], y: py, dash: '' })), ...(right?.series ?? []).map((s, i) => ({ s, color: RIGHT_COLORS[i % RIGHT_COLORS.length], y: pr, dash: ' stroke-dasharray="5 3"' }))]
  const legendX = W - m.r - 34 - 7 * Math.max(0, ...all.map(({ s }) => s.name.length))
  all.forEach(({ s, color, y: toY, dash }, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p[1])).map((p) => [px(p[0]).toFixed(1), toY(p[1]).toFixed(1)])
    if (pts.length > 1) o.push(`<polyline points="${pts.map((p) => p.join(',')).join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"${dash}/>`)
    // few points (evaluations): mark each one
    if (pts.length <= 50 && !dash) for (const [x, y] of pts) o.push(`<circle cx="${x}" cy="${y}" r="3" fill="${color}"/>`)
    const ly = m.t + 8 + i * 16
    o.push(`<line x1="${legendX}" x2="${legendX + 20}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/><text x="${legendX + 26}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`)
  })
  o.push('</svg>')
  return o.join('\n') + '\n'
}
