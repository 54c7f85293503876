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

describe('loadTextFile refuses what is not text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-binary-'))
  it('refuses bytes that are not UTF-8, with a one-line reason', () => {
    const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)
    writeFileSync(join(dir, 'random.bin'), bytes)
    expect(() => loadTextFile(join(dir, 'random.bin'))).toThrow(DataError)
    expect(() => loadTextFile(join(dir, 'random.bin'))).toThrow(/random\.bin is not UTF-8 text \(.*\): give a plain text file$/)
  })

  it('refuses valid UTF-8 that is mostly control characters (UTF-16 text, zero-filled files)', () => {
    writeFileSync(join(dir, 'utf16.txt'), Buffer.from('plain words '.repeat(50), 'utf16le'))
    expect(() => loadTextFile(join(dir, 'utf16.txt'))).toThrow(/utf16\.txt looks binary, not text: 50\.0% of its characters are control characters \(at most 5% allowed\)/)
  })

  it('accepts text with tabs, newlines, form feeds, a BOM and a few stray control characters', () => {
    const text = 'line one\tcol\r\nline two\f\n' + 'x'.repeat(200) + '\u0007'
    writeFileSync(join(dir, 'ok.txt'), '\ufeff' + text)
    expect(loadTextFile(join(dir, 'ok.txt'))).toBe(text)
  })
})
