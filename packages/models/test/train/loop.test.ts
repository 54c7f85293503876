import { describe, expect, it } from 'vitest'
import { Tensor } from '@adjoint/core'
import { Linear, SGD, StepLR } from '@adjoint/nn'
import { optimizerStep, runLoop, type CheckpointReason } from '../../src/index.js'

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

describe('optimizerStep', () => {
  // loss = w . x with w = [1, 2], x = [3, 4]: loss 11, gradient x (norm 5)
  const setup = () => {
    const model = new Linear(2, 1, { bias: false })
    model.loadStateDict({ weight: Tensor.fromArray(Float32Array.from([1, 2]), [1, 2], 'float32') })
    model.eval()
    const x = Tensor.fromArray(Float32Array.from([3, 4]), [1, 2], 'float32')
    const loss = () => ({ loss: model.forward(x).sum(), tokens: 7 })
    return { model, loss }
  }

  it('zeroes the gradients, runs backward and updates (no clipping at gradClip 0), in training mode', () => {
    const { model, loss } = setup()
    const opt = new SGD(model.parameters(), { lr: 0.1 })
    const r = optimizerStep(model, opt, null, loss, 0)
    expect(model.training).toBe(true)
    expect(r.loss).toBeCloseTo(11, 5)
    expect(r.lr).toBe(0.1)
    expect(Number.isNaN(r.gradNorm)).toBe(true)
    expect(r.tokens).toBe(7)
    expect(Array.from(model.weight.toArray() as number[][]).flat()).toEqual([expect.closeTo(0.7, 6), expect.closeTo(1.6, 6)])
    // a second step starts from zeroed gradients: the same gradient again, not twice it
    optimizerStep(model, opt, null, loss, 0)
    expect(Array.from(model.weight.toArray() as number[][]).flat()).toEqual([expect.closeTo(0.4, 6), expect.closeTo(1.2, 6)])
  })

  it('clips the gradient to gradClip, reports the norm before clipping, and advances the schedule', () => {
    const { model, loss } = setup()
    const opt = new SGD(model.parameters(), { lr: 0.1 })
    const sched = new StepLR(opt, { stepSize: 1, gamma: 0.5 })
    const r = optimizerStep(model, opt, sched, loss, 1)
    expect(r.gradNorm).toBeCloseTo(5, 5)
    expect(r.lr).toBe(0.1)
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.05, 12)
    expect(Array.from(model.weight.toArray() as number[][]).flat()).toEqual([expect.closeTo(1 - 0.06, 6), expect.closeTo(2 - 0.08, 6)])
  })
})
