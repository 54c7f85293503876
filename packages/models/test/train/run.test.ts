import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { trainGPT } from '../../src/gpt/objective.js'
import { CheckpointError, ConfigError, DataError } from '../../src/index.js'
import { TEST_MODEL, brownFile, recordingUI, tempDir } from '../helpers.js'

describe('trainGPT', () => {
  const dir = tempDir()
  const data = brownFile(dir)

  it('loss falls over 200 steps of a small model, and the run leaves checkpoint, log, curve and sample', async () => {
    const out = join(dir, 'run-a')
    const ui = recordingUI()
    const r = await trainGPT({ data, model: TEST_MODEL, train: { steps: 200, batchSize: 8, blockSize: 32, lr: 3e-3 }, schedule: { evalInterval: 50, evalIters: 5 }, out, ui, sampleTokens: 40 })
    const rows = readFileSync(join(out, 'log.csv'), 'utf8').trim().split('\n')
    expect(rows[0]).toBe('step,train_loss,val_loss,eval_train_loss,lr,grad_norm,tokens_per_sec,elapsed_s')
    const vals = rows.slice(1).map((l) => l.split(',')).filter((c) => c[2] !== '').map((c) => [Number(c[0]), Number(c[2])])
    expect(vals.map((v) => v[0])).toEqual([0, 50, 100, 150, 200])
    expect(vals[0][1]).toBeGreaterThan(3.5) // ~ln(vocab) at init
    expect(vals[4][1]).toBeLessThan(vals[0][1] - 1) // at least a nat lower
    expect(r.valLoss).toBeCloseTo(vals[4][1], 5)
    for (const f of ['checkpoint/config.json', 'checkpoint/tokenizer.json', 'checkpoint/model.safetensors', 'checkpoint/train_state.safetensors', 'loss.svg', 'sample.txt']) expect(existsSync(join(out, f))).toBe(true)
    expect(readFileSync(join(out, 'loss.svg'), 'utf8')).toContain('<polyline')
    expect(r.sample!.startsWith('The ')).toBe(true)
    expect(ui.lines.join('\n')).toMatch(/validation loss \d\.\d{4}/)
    expect(JSON.parse(readFileSync(join(out, 'checkpoint/config.json'), 'utf8'))).toMatchObject({ kind: 'gpt', step: 200, data: { source: 'file', path: data } })
  })

  it('resumes exactly: stopped at step 20 and resumed gives the run that never stopped', async () => {
    const opts = { data, model: TEST_MODEL, train: { steps: 40, batchSize: 4, blockSize: 16 }, schedule: { evalInterval: 15, evalIters: 2, ckptInterval: 15 }, sampleTokens: 0 }
    const straight = await trainGPT({ ...opts, out: join(dir, 'straight'), ui: recordingUI() })
    let steps = 0
    const stopped = await trainGPT({ ...opts, out: join(dir, 'resumed'), ui: recordingUI(), shouldStop: () => ++steps >= 20 })
    expect(stopped.interrupted).toBe(true)
    expect(stopped.step).toBe(20)
    const resumed = await trainGPT({ out: join(dir, 'resumed'), resume: true, ui: recordingUI(), sampleTokens: 0 })
    expect(resumed.step).toBe(40)
    const a = straight.model.stateDict(), b = resumed.model.stateDict()
    for (const k of Object.keys(a)) expect([...b[k].contiguousData()]).toEqual([...a[k].contiguousData()])
    const log = (d: string) => readFileSync(join(dir, d, 'log.csv'), 'utf8').split('\n').map((l) => l.split(',').slice(0, 6).join(','))
    expect(log('resumed')).toEqual(log('straight'))
  })

  it('refuses bad inputs with typed errors', async () => {
    const ui = recordingUI()
    await expect(trainGPT({ data: join(dir, 'missing.txt'), out: join(dir, 'x1'), ui })).rejects.toThrow(DataError)
    await expect(trainGPT({ data, model: TEST_MODEL, train: { blockSize: 64, steps: 2 }, out: join(dir, 'run-a'), resume: true, ui })).rejects.toThrow(ConfigError)
    await expect(trainGPT({ data, preset: 'small', out: join(dir, 'run-a'), resume: true, ui })).rejects.toThrow(/trained with --config tiny; it cannot be resumed as --config small/)
    await expect(trainGPT({ data, out: join(dir, 'nothing-here'), resume: true, ui })).rejects.toThrow(CheckpointError)
  })
})
