// LR schedules against PyTorch 1.13 (fixtures/gen_optim.py): 35 steps, two param groups.
import { tensor } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { CosineAnnealingLR, LRScheduler, LambdaLR, LinearLR, Optimizer, Parameter, SGD, SequentialLR, StepLR, WarmupCosineLR, warmupCosineLr } from '../src/index.js'
import { expectClose, fixture } from './helpers.js'

const fx = fixture<{ lrs: Record<string, number[][] | number[]> }>('schedulers.json')

const nanogpt = { warmupIters: 5, lrDecayIters: 30 }

const CASES: Record<string, (o: Optimizer) => LRScheduler> = {
  step: (o) => new StepLR(o, { stepSize: 7, gamma: 0.5 }),
  cosine: (o) => new CosineAnnealingLR(o, { tMax: 10, etaMin: 0.001 }),
  linear: (o) => new LinearLR(o, { startFactor: 0.25, endFactor: 1, totalIters: 8 }),
  linear_default: (o) => new LinearLR(o),
  lambda: (o) => new LambdaLR(o, (e) => 0.95 ** e),
  lambda_per_group: (o) => new LambdaLR(o, [(e) => 1 / (e + 1), (e) => 0.9 ** e]),
  sequential_linear_cosine: (o) => new SequentialLR(o, { schedulers: [new LinearLR(o, { startFactor: 0.1, endFactor: 1, totalIters: 5 }), new CosineAnnealingLR(o, { tMax: 15 })], milestones: [5] }),
  sequential_step_lambda: (o) => new SequentialLR(o, { schedulers: [new StepLR(o, { stepSize: 3, gamma: 0.5 }), new LambdaLR(o, (e) => 0.9 ** e)], milestones: [6] }),
  sequential_three: (o) => new SequentialLR(o, { schedulers: [new LinearLR(o, { startFactor: 0.5, totalIters: 4 }), new StepLR(o, { stepSize: 4, gamma: 0.1 }), new CosineAnnealingLR(o, { tMax: 8 })], milestones: [4, 12] }),
  // PyTorch's LambdaLR driven by nanoGPT's get_lr (with lr 1, min 0.1): the same numbers as WarmupCosineLR
  warmup_cosine_lambda: (o) => new WarmupCosineLR(o, { ...nanogpt, minLr: undefined }),
}

function optimizer(): Optimizer {
  return new SGD([{ params: [new Parameter(tensor([0]))], lr: 0.1 }, { params: [new Parameter(tensor([0]))], lr: 0.01 }], { lr: 0.1 })
}

describe('LR schedulers match PyTorch 1.13', () => {
  for (const [name, make] of Object.entries(CASES)) {
    it(name, () => {
      const want = fx.lrs[name] as number[][]
      const opt = optimizer()
      const s = make(opt)
      const got = [opt.paramGroups.map((g) => g.lr)]
      for (let i = 0; i < 35; i++) { opt.step(); s.step(); got.push(opt.paramGroups.map((g) => g.lr)) }
      expect(got.length).toBe(want.length)
      got.forEach((lrs, i) => expectClose(lrs, want[i], 1e-12, 1e-17, `${name} epoch ${i}`))
      expect(s.getLastLr()).toEqual(got[got.length - 1])
    })
  }

  it("warmupCosineLr is nanoGPT's get_lr", () => {
    const want = fx.lrs.nanogpt_get_lr as number[]
    want.forEach((lr, it) => expectClose([warmupCosineLr(it, 6e-4, { ...nanogpt, minLr: 6e-5 })], [lr], 1e-14, 0, `it ${it}`))
  })

  it('a scheduler resumes from its stateDict (JSON round trip)', () => {
    for (const name of ['cosine', 'sequential_three', 'linear']) {
      const want = fx.lrs[name] as number[][]
      const a = optimizer()
      const sa = CASES[name](a)
      for (let i = 0; i < 13; i++) sa.step()
      const saved = JSON.parse(JSON.stringify({ opt: a.paramGroups.map((g) => ({ lr: g.lr, initialLr: g.initialLr })), s: sa.stateDict() }))
      const b = optimizer()
      const sb = CASES[name](b)
      b.paramGroups.forEach((g, i) => Object.assign(g, saved.opt[i]))
      sb.loadStateDict(saved.s)
      for (let i = 13; i < 35; i++) sb.step()
      expectClose(b.paramGroups.map((g) => g.lr), want[35], 1e-12, 1e-17, `${name} resumed`)
    }
  })

  it('checks arguments', () => {
    const o = optimizer()
    expect(() => new StepLR(o, { stepSize: 0 })).toThrow(/stepSize/)
    expect(() => new LambdaLR(o, [(e) => e])).toThrow(/2 lrLambdas/)
    expect(() => new SequentialLR(o, { schedulers: [new StepLR(o, { stepSize: 2 })], milestones: [3] })).toThrow(/milestones/)
    expect(() => new SequentialLR(o, { schedulers: [new StepLR(optimizer(), { stepSize: 2 }), new StepLR(o, { stepSize: 2 })], milestones: [3] })).toThrow(/different optimizer/)
    expect(() => new WarmupCosineLR(o, { warmupIters: 10, lrDecayIters: 5 })).toThrow(/lrDecayIters/)
    expect(() => new CosineAnnealingLR(optimizer(), { tMax: 5, lastEpoch: 3 })).toThrow(/initialLr/)
  })
})
