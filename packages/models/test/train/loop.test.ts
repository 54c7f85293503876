import { describe, expect, it } from 'vitest'
import { runLoop, type CheckpointReason } from '../../src/index.js'

const step = () => ({ loss: 1, lr: 0.1, gradNorm: 0, tokens: 1 })

describe('runLoop', () => {
  it('evaluates at the start, every evalInterval and at the end; checkpoints every ckptInterval and at the end', async () => {
    const evals: number[] = [], ckpts: [number, CheckpointReason][] = [], steps: number[] = []
    const r = await runLoop({ startStep: 0, totalSteps: 7, step: (it) => { steps.push(it); return step() }, evalInterval: 3, evaluate: (d) => evals.push(d), ckptInterval: 2, checkpoint: (d, why) => ckpts.push([d, why]) })
    expect(r).toEqual({ step: 7, interrupted: false })
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(evals).toEqual([0, 3, 6, 7])
    expect(ckpts).toEqual([[2, 'interval'], [4, 'interval'], [6, 'interval'], [7, 'final']])
  })

  it('resumes from startStep without evaluating step 0, and stops (after a checkpoint) when asked', async () => {
    const evals: number[] = [], ckpts: [number, CheckpointReason][] = []
    let n = 0
    const r = await runLoop({ startStep: 4, totalSteps: 100, step, evalInterval: 50, evaluate: (d) => evals.push(d), checkpoint: (d, why) => ckpts.push([d, why]), shouldStop: () => ++n === 3 })
    expect(r).toEqual({ step: 7, interrupted: true })
    expect(evals).toEqual([])
    expect(ckpts).toEqual([[7, 'interrupt']])
  })

  it('lets signal handlers run between steps', async () => {
    let flag = false
    setImmediate(() => { flag = true })
    const r = await runLoop({ startStep: 0, totalSteps: 1000, step, shouldStop: () => flag })
    expect(r.interrupted).toBe(true)
    expect(r.step).toBeLessThan(5)
  })
})
