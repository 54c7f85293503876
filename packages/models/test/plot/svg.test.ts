import { describe, expect, it } from 'vitest'
import { lineChartSvg } from '../../src/index.js'

describe('lineChartSvg', () => {
  it('draws one polyline per series, with a legend', () => {
    const svg = lineChartSvg([
      { name: 'train', points: [[0, 4], [1, 3], [2, 2.5]] },
      { name: 'val <b>', points: [[0, 4.1], [2, 2.7]] },
    ], { title: 'loss' })
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.trim().endsWith('</svg>')).toBe(true)
    expect(svg.match(/<polyline points="[\d., ]+" fill="none" stroke="#/g)).toHaveLength(2)
    expect(svg).toContain('val &lt;b&gt;')
    expect(svg).not.toContain('NaN')
  })

  it('copes with an empty or a one-point series', () => {
    expect(lineChartSvg([{ name: 'a', points: [] }, { name: 'b', points: [[5, 1]] }])).not.toContain('NaN')
  })
})
