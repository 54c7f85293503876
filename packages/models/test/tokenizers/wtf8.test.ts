import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeWtf8, encodeWtf8 } from '../../src/index.js'

describe('wtf8', () => {
  it('matches TextEncoder on well-formed strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      expect(encodeWtf8(s)).toEqual([...new TextEncoder().encode(s)])
      expect(decodeWtf8(encodeWtf8(s))).toBe(s)
    }), { seed: 7 })
  })
})
