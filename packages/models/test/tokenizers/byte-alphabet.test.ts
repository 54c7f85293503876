// GPT-2's byte <-> printable-character table (tokenizers/byte-alphabet.ts).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { byteLevelToBytes, bytesToByteLevel } from '../../src/index.js'

describe('byte-level alphabet', () => {
  it('printable ASCII maps to itself; space, newline and 0x80.. to other characters', () => {
    expect(bytesToByteLevel([...'Hello!'].map((c) => c.charCodeAt(0)))).toBe('Hello!')
    expect(bytesToByteLevel([0x20])).toBe('\u0120') // GPT-2's "Ġ"
    expect(bytesToByteLevel([0x0a])).toBe('\u010a') // "Ċ"
    expect(new Set(bytesToByteLevel(Array.from({ length: 256 }, (_, i) => i))).size).toBe(256)
  })

  it('round-trips any bytes; a character outside the table gives undefined', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }), (bytes) => {
      expect(byteLevelToBytes(bytesToByteLevel(bytes))).toEqual(bytes)
    }), { numRuns: 200, seed: 11 })
    expect(byteLevelToBytes(' ')).toBeUndefined() // a raw space is not in the table
    expect(byteLevelToBytes('\u4e2d')).toBeUndefined()
    expect(byteLevelToBytes('')).toEqual([])
  })
})
