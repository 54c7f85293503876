import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { CharTokenizer, CheckpointError, GPT, expectKind, loadRunWeights, openRun, saveRunCheckpoint, tidyRunDir, type RunMeta } from '../../src/index.js'
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

  // a PID no process has (above Linux's pid_max)
  const DEAD_PID = 2 ** 30

  it('tidyRunDir removes unfinished folders of processes that are gone, keeps a live one, and says so', () => {
    const dir = tempDir()
    const model = new GPT(cfg), tok = CharTokenizer.fromText('abcde')
    saveRunCheckpoint(dir, meta(1), tok, { model })
    mkdirSync(join(dir, `.checkpoint.tmp-${DEAD_PID}`))
    mkdirSync(join(dir, `.checkpoint.tmp-${process.pid}`))
    mkdirSync(join(dir, '.checkpoint.old'))
    const notes = tidyRunDir(dir)
    expect(notes).toEqual([expect.stringMatching(new RegExp(`removed 2 unfinished checkpoint folders left by an interrupted save in .*: \\.checkpoint\\.tmp-${DEAD_PID}, \\.checkpoint\\.old$`))])
    expect(readdirSync(dir).sort()).toEqual(['.checkpoint.tmp-' + process.pid, 'checkpoint'])
    expect(tidyRunDir(dir)).toEqual([])
    expect(openRun(dir).meta.step).toBe(1)
  })

  it('a stop between the two renames: openRun uses the verified .checkpoint.old and says so; tidyRunDir puts it back', () => {
    const dir = tempDir()
    const model = new GPT(cfg), tok = CharTokenizer.fromText('abcde')
    saveRunCheckpoint(dir, meta(3), tok, { model })
    renameSync(join(dir, 'checkpoint'), join(dir, '.checkpoint.old'))
    const run = openRun(dir)
    expect(run.meta.step).toBe(3)
    expect(run.recovered).toMatch(/checkpoint is missing: using .*\.checkpoint\.old, the checkpoint before an interrupted save \(its checksums match\)/)
    expect(openRun(join(dir, '.checkpoint.old')).recovered).toBeUndefined()
    expect(tidyRunDir(dir)).toEqual([expect.stringMatching(/^restored .*checkpoint from .*\.checkpoint\.old \(the last save stopped between its two renames; the previous checkpoint is whole: its checksums match\)$/)])
    expect(readdirSync(dir)).toEqual(['checkpoint'])
    expect(openRun(dir).recovered).toBeUndefined()
  })

  it('a damaged .checkpoint.old is refused, not used', () => {
    const dir = tempDir()
    const model = new GPT(cfg), tok = CharTokenizer.fromText('abcde')
    saveRunCheckpoint(dir, meta(3), tok, { model })
    renameSync(join(dir, 'checkpoint'), join(dir, '.checkpoint.old'))
    const file = join(dir, '.checkpoint.old/model.safetensors')
    const bytes = readFileSync(file)
    bytes[bytes.length - 1] ^= 0xff
    writeFileSync(file, bytes)
    expect(() => openRun(dir)).toThrow(/damaged checkpoint .*\.checkpoint\.old: model\.safetensors: /)
    expect(() => tidyRunDir(dir)).toThrow(CheckpointError)
  })

  it('a stop during the very first save: no checkpoint completed yet, and how to start over', () => {
    const dir = tempDir()
    mkdirSync(join(dir, `.checkpoint.tmp-${DEAD_PID}`))
    expect(() => openRun(dir)).toThrow(new RegExp(`no checkpoint was completed in .* yet: the first save was interrupted \\(\\.checkpoint\\.tmp-${DEAD_PID} is unfinished\\); start the run again without --resume, with --out `))
  })

  it('weights of another size: one line of differing config values, then the first few tensors', () => {
    const dir = tempDir()
    const tok = CharTokenizer.fromText('abcde')
    saveRunCheckpoint(dir, { ...meta(1), model: { ...cfg, nLayer: 2 } }, tok, { model: new GPT({ ...cfg, nLayer: 2 }) })
    const file = join(dir, 'checkpoint/config.json')
    writeFileSync(file, JSON.stringify({ ...meta(1), model: { ...cfg, nLayer: 2, nEmbd: 16 } }))
    let message = ''
    try { loadRunWeights(openRun(dir), new GPT({ ...cfg, nLayer: 2, nEmbd: 16 })) } catch (e) { message = (e as Error).message }
    const lines = message.split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/does not fit the model described by its config\.json \(a checkpoint of a different model\?\): the config differs from the one the weights were saved with: nEmbd 16 \(config\) vs 8 \(weights\)$/)
    expect(lines[1]).toMatch(/^shape mismatch for [\w.]+: .*; shape mismatch for .*; shape mismatch for .*; and \d+ more$/)
  })
})
