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

describe('lineChartSvg axes', () => {
  const labels = (svg: string) => [...svg.matchAll(/<text [^>]*text-anchor="end"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1])
  it('labels the y axis at the start and end of the data, not only at round ticks', () => {
    const svg = lineChartSvg([{ name: 'train', points: [[0, 4.5], [400, 3.1], [800, 2.15]] }])
    const y = labels(svg)
    expect(y[0]).toBe('2.15')
    expect(y[y.length - 1]).toBe('4.5')
    expect(y).toContain('3')
  })

  it('draws series of another unit (the learning rate) on a second axis, labelled', () => {
    const lr: [number, number][] = Array.from({ length: 11 }, (_, i) => [i * 80, 1e-3 * Math.cos((i / 10) * Math.PI / 2) + 1e-4])
    const svg = lineChartSvg([{ name: 'train', points: [[0, 4.5], [800, 2.15]] }], { right: { series: [{ name: 'learning rate', points: lr }], label: 'learning rate' } })
    expect(svg).toMatch(/rotate\(90\)" text-anchor="middle">learning rate<\/text>/)
    expect(svg).toMatch(/stroke-dasharray="5 3"\/>\n?/)
    expect(svg).toContain('>0.0011</text>')
    expect(svg).toContain('>0.0001</text>')
    expect(svg).not.toContain('NaN')
  })
})
