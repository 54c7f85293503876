import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CheckpointError, writeFolderAtomic } from '../../src/index.js'

const root = mkdtempSync(join(tmpdir(), 'adjoint-folder-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('writeFolderAtomic', () => {
  it('writes text and bytes and leaves no temporary folder behind', () => {
    const dir = join(root, 'a', 'model')
    writeFolderAtomic(dir, { 'config.json': '{"x":1}', 'w.bin': new Uint8Array([1, 2, 255]) })
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'w.bin'])
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('{"x":1}')
    expect([...readFileSync(join(dir, 'w.bin'))]).toEqual([1, 2, 255])
    expect(readdirSync(join(root, 'a'))).toEqual(['model'])
  })

  it('refuses to replace a non-empty folder unless told to, then replaces it whole', () => {
    const dir = join(root, 'b')
    writeFolderAtomic(dir, { 'old.txt': 'old', 'keep.txt': 'v1' })
    expect(() => writeFolderAtomic(dir, { 'keep.txt': 'v2' })).toThrow(CheckpointError)
    expect(() => writeFolderAtomic(dir, { 'keep.txt': 'v2' })).toThrow(/not empty.*overwrite/)
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('v1')
    writeFolderAtomic(dir, { 'keep.txt': 'v2' }, { overwrite: true })
    expect(readdirSync(dir)).toEqual(['keep.txt'])
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('v2')
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([])
  })

  it('writes into an existing empty folder, and refuses a path that is a file', () => {
    const empty = join(root, 'empty')
    mkdirSync(empty)
    writeFolderAtomic(empty, { 'a.txt': 'a' })
    expect(readdirSync(empty)).toEqual(['a.txt'])
    const file = join(root, 'file.txt')
    writeFileSync(file, 'x')
    expect(() => writeFolderAtomic(file, { 'a.txt': 'a' })).toThrow(/is a file, not a folder/)
  })
})
