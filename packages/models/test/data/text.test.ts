import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataError, loadTextFile, splitText } from '../../src/index.js'

describe('loadTextFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-text-'))
  it('reads a file and rejects a missing or empty one', () => {
    writeFileSync(join(dir, 'a.txt'), 'hello')
    writeFileSync(join(dir, 'empty.txt'), ' \n')
    expect(loadTextFile(join(dir, 'a.txt'))).toBe('hello')
    expect(() => loadTextFile(join(dir, 'nope.txt'))).toThrow(DataError)
    expect(() => loadTextFile(join(dir, 'nope.txt'))).toThrow(/data file not found/)
    expect(() => loadTextFile(join(dir, 'empty.txt'))).toThrow(/data file is empty/)
    expect(() => loadTextFile(dir)).toThrow(/not a file/)
  })

  it('splits 90/10 without breaking a surrogate pair', () => {
    expect(splitText('0123456789')).toEqual({ train: '012345678', val: '9' })
    const s = 'abcdefghi\u{1F600}'
    const { train, val } = splitText(s)
    expect(train + val).toBe(s)
    expect(val).toBe('\u{1F600}')
  })
})
