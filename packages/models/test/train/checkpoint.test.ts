import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { CharTokenizer, CheckpointError, GPT, expectKind, loadRunWeights, openRun, saveRunCheckpoint, type RunMeta } from '../../src/index.js'
import { tempDir } from '../helpers.js'

const cfg = { vocabSize: 5, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 }
const meta = (step: number): RunMeta => ({ format: 'adjoint-run', version: 1, kind: 'gpt', model: cfg, train: {}, step, data: { source: 'brown' } })

describe('run checkpoints', () => {
  it('save, open, load weights; a crash between the two renames leaves the old checkpoint readable', () => {
    const dir = tempDir()
    manualSeed(0)
    const model = new GPT(cfg), tok = CharTokenizer.fromText('abcde')
    saveRunCheckpoint(dir, meta(1), tok, { model })
    saveRunCheckpoint(dir, meta(2), tok, { model })
    const run = openRun(dir)
    expect(run.meta.step).toBe(2)
    expect(run.tokenizer.encode('bad')).toEqual([1, 0, 3])
    const copy = new GPT(cfg)
    loadRunWeights(run, copy)
    expect(copy.transformer.wte.weight.toArray()).toEqual(model.transformer.wte.weight.toArray())
    expect(openRun(join(dir, 'checkpoint')).meta.step).toBe(2)
    renameSync(join(dir, 'checkpoint'), join(dir, '.checkpoint.old'))
    expect(openRun(dir).meta.step).toBe(2)
    expect(existsSync(join(dir, '.checkpoint.old'))).toBe(true)
  })

  it('says what is wrong with a checkpoint', () => {
    const dir = tempDir()
    expect(() => openRun(join(dir, 'nope'))).toThrow(/checkpoint not found: .*nope does not exist/)
    expect(() => openRun(dir)).toThrow(/no checkpoint in/)
    const model = new GPT(cfg), tok = CharTokenizer.fromText('abcde')
    saveRunCheckpoint(dir, meta(1), tok, { model })
    expect(() => expectKind(openRun(dir), 'gpt-classifier')).toThrow(/holds a "gpt" model, not a "gpt-classifier" one/)
    expect(() => loadRunWeights(openRun(dir), new GPT({ ...cfg, nEmbd: 16 }))).toThrow(CheckpointError)
    writeFileSync(join(dir, 'checkpoint/config.json'), '{not json')
    expect(() => openRun(dir)).toThrow(/config\.json is not valid JSON/)
    rmSync(join(dir, 'checkpoint/tokenizer.json'))
    writeFileSync(join(dir, 'checkpoint/config.json'), JSON.stringify(meta(1)))
    expect(() => openRun(dir)).toThrow(/incomplete checkpoint .*tokenizer\.json is missing/)
  })
})
