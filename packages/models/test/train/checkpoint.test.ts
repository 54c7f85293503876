import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Tensor, manualSeed } from '@adjoint/core'
import { AdamW, StepLR } from '@adjoint/nn'
import { describe, expect, it } from 'vitest'
import { CharTokenizer, CheckpointError, GPT, RUN_FORMAT, checkpointDir, expectKind, loadRunWeights, loadTrainingState, openRun, optimizerStep, saveRunCheckpoint, tidyRunDir, type RunMeta } from '../../src/index.js'
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

describe('resuming training state', () => {
  it('checkpointDir is where the checkpoint goes, in the RUN_FORMAT', () => {
    const dir = tempDir()
    saveRunCheckpoint(dir, meta(3), CharTokenizer.fromText('abcde'), { model: new GPT(cfg) })
    expect(checkpointDir(dir)).toBe(join(dir, 'checkpoint'))
    expect(RUN_FORMAT).toBe('adjoint-run')
    expect(JSON.parse(readFileSync(join(checkpointDir(dir), 'config.json'), 'utf8'))).toMatchObject({ format: RUN_FORMAT, step: 3 })
    expect(existsSync(join(checkpointDir(dir), 'train_state.safetensors'))).toBe(false)
    expect(() => loadTrainingState(openRun(dir), { model: new GPT(cfg) })).toThrow(/has no train_state\.safetensors .*cannot be resumed exactly/)
  })

  it('restores the optimizer and scheduler state and returns the step', () => {
    const dir = tempDir()
    manualSeed(0)
    const model = new GPT(cfg)
    const optimizer = new AdamW(model.parameters(), { lr: 0.01 })
    const scheduler = new StepLR(optimizer, { stepSize: 1, gamma: 0.5 })
    const idx = Tensor.fromArray(Int32Array.from([0, 1, 2, 3]), [1, 4], 'int32')
    optimizerStep(model, optimizer, scheduler, () => ({ loss: model.forward(idx, idx).loss!, tokens: 4 }), 1)
    saveRunCheckpoint(dir, meta(1), CharTokenizer.fromText('abcde'), { model, optimizer, scheduler })

    manualSeed(1)
    const model2 = new GPT(cfg)
    const optimizer2 = new AdamW(model2.parameters(), { lr: 0.01 })
    const scheduler2 = new StepLR(optimizer2, { stepSize: 1, gamma: 0.5 })
    expect(loadTrainingState(openRun(dir), { model: model2, optimizer: optimizer2, scheduler: scheduler2 })).toBe(1)
    expect(optimizer2.paramGroups[0].lr).toBeCloseTo(0.005, 12)
    expect(scheduler2.lastEpoch).toBe(scheduler.lastEpoch)
    const w = model.transformer.wte.weight
    expect(model2.transformer.wte.weight.toArray()).toEqual(w.toArray())
    const i2 = [...optimizer2.state.keys()].indexOf(model2.transformer.wte.weight)
    const i1 = [...optimizer.state.keys()].indexOf(w)
    expect(i1).toBeGreaterThanOrEqual(0)
    const st1 = [...optimizer.state.values()][i1], st2 = [...optimizer2.state.values()][i2]
    expect(Object.keys(st1).length).toBeGreaterThan(0)
    expect(Object.keys(st2).sort()).toEqual(Object.keys(st1).sort())
    for (const k of Object.keys(st1)) {
      const a = st1[k], b = st2[k]
      expect(b instanceof Tensor ? b.toArray() : b).toEqual(a instanceof Tensor ? a.toArray() : a)
    }
  })

  it('a state that does not fit the model is a CheckpointError', () => {
    const dir = tempDir()
    const model = new GPT(cfg)
    saveRunCheckpoint(dir, meta(1), CharTokenizer.fromText('abcde'), { model, optimizer: new AdamW(model.parameters()) })
    const other = new GPT({ ...cfg, nEmbd: 16 })
    expect(() => loadTrainingState(openRun(dir), { model: other, optimizer: new AdamW(other.parameters()) })).toThrow(CheckpointError)
    expect(() => loadTrainingState(openRun(dir), { model: other, optimizer: new AdamW(other.parameters()) })).toThrow(/cannot resume from .*train_state\.safetensors/)
  })
})
