// The loss curve as a standalone SVG: one polyline per series, axes with round
// ticks, a legend. Hand-written: no dependency, a few dozen lines.
import { extent, fmtNum, ticks, type Series } from './series.js'

export interface SvgOptions {
  width?: number
  height?: number
  title?: string
  xLabel?: string
  yLabel?: string
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd']
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function lineChartSvg(series: readonly Series[], opts: SvgOptions = {}): string {
  const W = opts.width ?? 640, H = opts.height ?? 400
  const m = { l: 56, r: 16, t: opts.title ? 32 : 12, b: 44 }
  const [x0, x1] = extent(series.flatMap((s) => s.points.map((p) => p[0])))
  const [y0, y1] = extent(series.flatMap((s) => s.points.map((p) => p[1])))
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r)
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b)
  const o: string[] = []
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`)
  o.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  if (opts.title) o.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`)
  for (const t of ticks(y0, y1)) {
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
  const legendX = W - m.r - 34 - 7 * Math.max(0, ...series.map((s) => s.name.length))
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]
    const pts = s.points.filter((p) => Number.isFinite(p[1])).map((p) => [px(p[0]).toFixed(1), py(p[1]).toFixed(1)])
    if (pts.length > 1) o.push(`<polyline points="${pts.map((p) => p.join(',')).join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"/>`)
    // few points (evaluations): mark each one
    if (pts.length <= 50) for (const [x, y] of pts) o.push(`<circle cx="${x}" cy="${y}" r="3" fill="${color}"/>`)
    const ly = m.t + 8 + i * 16
    o.push(`<line x1="${legendX}" x2="${legendX + 20}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/><text x="${legendX + 26}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`)
  })
  o.push('</svg>')
  return o.join('\n') + '\n'
}
