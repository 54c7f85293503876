import { describe, expect, it } from 'vitest'
import { tokenizerFromJSON } from '../../src/index.js'

describe('tokenizerFromJSON', () => {
  it('rejects unknown types and bad JSON with a clear message', () => {
    expect(() => tokenizerFromJSON('{"type":"wordpiece","specialTokens":[]}')).toThrow(/unknown type "wordpiece"/)
    expect(() => tokenizerFromJSON('{nope')).toThrow(/not valid JSON/)
  })
})
