import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunLog, smooth } from '../../src/index.js'
import { tempDir } from '../helpers.js'

const row = (step: number, loss: number) => ({ step, trainLoss: loss, lr: 0.001, gradNorm: 1, tokensPerSec: 100, elapsedS: step })

describe('RunLog', () => {
  it('writes one row per step with the evaluation on its step, and keeps rows up to the checkpoint on resume', () => {
    const file = join(tempDir(), 'log.csv')
    const log = new RunLog(file, -1)
    log.evaluation(0, 4.5, 4.4)
    log.step(row(1, 4.2))
    log.step(row(2, 4.0))
    log.evaluation(2, 3.9, 3.8)
    log.step(row(3, 3.7))
    log.flush()
    const lines = readFileSync(file, 'utf8').trim().split('\n')
    expect(lines).toEqual([
      'step,train_loss,val_loss,eval_train_loss,lr,grad_norm,tokens_per_sec,elapsed_s',
      '0,,4.50000,4.40000,,,,',
      '1,4.20000,,,0.00100000,1,100,1',
      '2,4,3.90000,3.80000,0.00100000,1,100,2',
      '3,3.70000,,,0.00100000,1,100,3',
    ])
    expect(log.series()).toEqual({ train: [[1, 4.2], [2, 4], [3, 3.7]], val: [[0, 4.5], [2, 3.9]], lr: [[1, 0.001], [2, 0.001], [3, 0.001]] })
    const resumed = new RunLog(file, 2)
    expect(resumed.rows.map((r) => r.step)).toEqual([0, 1, 2])
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(4)
    expect(new RunLog(file, -1).rows).toEqual([])
  })

  it('keeps every row of a long run, with its numbers exact and an empty cell as null', () => {
    const log = new RunLog(join(tempDir(), 'log.csv'), -1)
    for (let s = 1; s <= 300; s++) {
      log.step({ ...row(s, 1 + 1 / s), gradNorm: s % 2 === 0 ? null : s })
      if (s % 100 === 0) log.evaluation(s, 2 + 1 / s, null)
    }
    const { train, val, lr } = log.series()
    expect(train).toHaveLength(300)
    expect(train[299]).toEqual([300, 1 + 1 / 300]) // the pending row counts
    expect(val).toEqual([[100, 2.01], [200, 2.005], [300, 2 + 1 / 300]])
    expect(lr).toHaveLength(300)
    log.flush()
    const rows = log.rows
    expect(rows).toHaveLength(300)
    expect(rows[136]).toEqual({ step: 137, trainLoss: 1 + 1 / 137, valLoss: null, evalTrainLoss: null, lr: 0.001, gradNorm: 137, tokensPerSec: 100, elapsedS: 137 })
    expect(rows[137].gradNorm).toBeNull()
  })

  it('smooth averages windows', () => {
    expect(smooth([[1, 1], [2, 3], [3, 5], [4, 7], [5, 9]], 2)).toEqual([[2, 2], [4, 6], [5, 9]])
  })
})
