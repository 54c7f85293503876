import { describe, expect, it } from 'vitest'
import { DataError, checkStream, toIds } from '../../src/index.js'

describe('checkStream', () => {
  it('accepts a stream with one block + 1 tokens and refuses a shorter one', () => {
    expect(() => checkStream('training', toIds([1, 2, 3, 4, 5, 6, 7, 8, 9]), 8)).not.toThrow()
    expect(() => checkStream('training', toIds([1, 2, 3, 4, 5, 6, 7, 8]), 8)).toThrow(DataError)
    expect(() => checkStream('validation', new Int32Array(3), 8)).toThrow(/the validation text has 3 tokens, fewer than one block of 8 \+ 1/)
  })
})
