// A terminal line chart: each series drawn with its own mark on a character grid.
import { extent, fmtNum, type Series } from './series.js'

export interface AsciiOptions {
  width?: number
  height?: number
  /** One mark per series (default '*', 'o', '+', 'x'). */
  marks?: string[]
}

export function asciiChart(series: readonly Series[], opts: AsciiOptions = {}): string {
  const W = opts.width ?? 60, H = opts.height ?? 12
  const marks = opts.marks ?? ['*', 'o', '+', 'x']
  const [x0, x1] = extent(series.flatMap((s) => s.points.map((p) => p[0])))
  const [y0, y1] = extent(series.flatMap((s) => s.points.map((p) => p[1])))
  const grid = Array.from({ length: H }, () => Array<string>(W).fill(' '))
  series.forEach((s, i) => {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(y)) continue
      const c = Math.round(((x - x0) / (x1 - x0)) * (W - 1))
      const r = H - 1 - Math.round(((y - y0) / (y1 - y0)) * (H - 1))
      grid[r][c] = marks[i % marks.length]
    }
  })
  const labels = grid.map((_, r) => (r === 0 ? fmtNum(y1) : r === H - 1 ? fmtNum(y0) : r === Math.floor((H - 1) / 2) ? fmtNum((y0 + y1) / 2) : ''))
  const lw = Math.max(...labels.map((l) => l.length))
  const lines = grid.map((row, r) => `${labels[r].padStart(lw)} |${row.join('')}`)
  lines.push(`${' '.repeat(lw)} +${'-'.repeat(W)}`)
  const left = fmtNum(x0), right = fmtNum(x1)
  lines.push(`${' '.repeat(lw + 2)}${left}${right.padStart(W - left.length)}`)
  lines.push(`${' '.repeat(lw + 2)}${series.map((s, i) => `${marks[i % marks.length]} ${s.name}`).join('   ')}`)
  return lines.join('\n')
}
