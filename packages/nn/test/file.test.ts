// writeFileAtomic (io/file.ts): the file appears whole or not at all, and no
// temporary file is left behind.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AdjointError, randn, tensor } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { AdamW, Linear, encodeCheckpoint, encodeSafetensors, save, saveCheckpoint, writeFileAtomic } from '../src/index.js'

describe('writeFileAtomic', () => {
  it('writes new files and replaces old ones, leaving only the target', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adjoint-atomic-'))
    const file = join(dir, 'out.bin')
    writeFileAtomic(file, Uint8Array.of(1, 2, 3))
    expect([...readFileSync(file)]).toEqual([1, 2, 3])
    writeFileAtomic(file, new Uint8Array(100_000).fill(7))
    expect(readFileSync(file).length).toBe(100_000)
    expect(readdirSync(dir)).toEqual(['out.bin'])
  })

  it('writes chunks one after the other; save and saveCheckpoint write the same bytes as the encoders', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adjoint-atomic-'))
    const file = join(dir, 'chunks.bin')
    writeFileAtomic(file, [Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)])
    expect([...readFileSync(file)]).toEqual([1, 2, 3])
    const tensors = { w: randn([40, 50]), n: tensor([1, 2, 3], { dtype: 'int32' }), m: tensor([true, false], { dtype: 'bool' }) }
    save(tensors, join(dir, 'w.safetensors'))
    expect(Buffer.compare(readFileSync(join(dir, 'w.safetensors')), Buffer.from(encodeSafetensors(tensors)))).toBe(0)
    const model = new Linear(8, 4)
    const optimizer = new AdamW(model.parameters(), { lr: 0.1 })
    model.forward(randn([3, 8])).sum().backward()
    optimizer.step()
    const state = { model, optimizer, step: 7, extra: { note: 'x' } }
    saveCheckpoint(join(dir, 'ckpt.safetensors'), state)
    expect(Buffer.compare(readFileSync(join(dir, 'ckpt.safetensors')), Buffer.from(encodeCheckpoint(state)))).toBe(0)
  })

  it('a failed write throws an AdjointError naming the file and keeps the old contents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adjoint-atomic-'))
    const file = join(dir, 'keep.bin')
    writeFileSync(file, 'old')
    expect(() => writeFileAtomic(join(dir, 'no-such-dir', 'x.bin'), Uint8Array.of(1))).toThrow(AdjointError)
    expect(() => writeFileAtomic(join(dir, 'no-such-dir', 'x.bin'), Uint8Array.of(1))).toThrow(/save: could not write .*no-such-dir.*x\.bin/)
    // the target is a directory: the rename fails after the temp file was written; it is removed
    mkdirSync(join(dir, 'sub'))
    expect(() => writeFileAtomic(join(dir, 'sub'), Uint8Array.of(1))).toThrow(AdjointError)
    expect(readFileSync(file, 'utf8')).toBe('old')
    expect(readdirSync(dir).sort()).toEqual(['keep.bin', 'sub'])
  })
})
