import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { withThousands } from '../src/number-format.js'

describe('withThousands', () => {
  it('groups digits by three with commas', () => {
    expect(withThousands(0)).toBe('0')
    expect(withThousands(999)).toBe('999')
    expect(withThousands(1000)).toBe('1,000')
    expect(withThousands(1234567)).toBe('1,234,567')
    expect(withThousands(-1234.6)).toBe('-1,235')
    expect(withThousands(NaN)).toBe('NaN')
  })

  it("agrees with toLocaleString('en-US') on integers", () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), (n) => withThousands(n) === n.toLocaleString('en-US')), { seed: 1128 })
  })
})
