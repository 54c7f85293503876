import { describe, expect, it } from 'vitest'
import { asciiChart } from '../../src/index.js'

describe('asciiChart', () => {
  it('puts the highest point on the top row and the lowest on the bottom', () => {
    const chart = asciiChart([{ name: 'train', points: [[0, 3], [1, 2], [2, 1]] }], { width: 10, height: 5 })
    const rows = chart.split('\n')
    expect(rows[0]).toMatch(/^3 \|\*/)
    expect(rows[4]).toMatch(/^1 \|\s+\*$/)
    expect(chart).toContain('* train')
  })
})
