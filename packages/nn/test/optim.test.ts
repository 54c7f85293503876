// Optimizer trajectories against PyTorch 1.13 (fixtures/gen_optim.py), resuming
// from a state dict, gradient accumulation, clipping.
import { Tensor, ValueError, noGrad, tensor, type DType } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { Adam, AdamW, CosineAnnealingLR, LinearLR, Optimizer, Parameter, SGD, SequentialLR, StepLR, clipGradNorm_, clipGradValue_ } from '../src/index.js'
import { expectClose, fixture, fromJson, type TJson } from './helpers.js'

interface Run {
  optimizer: 'SGD' | 'Adam' | 'AdamW'
  options: Record<string, unknown>
  groups: Record<string, unknown>[] | null
  dtype: DType
  scheduler: 'sequential' | 'step' | null
  losses: number[]
  lrs: number[][]
  trajectory: { w: TJson; b: TJson }[]
}
const fx = fixture<{ problem: Record<'x' | 'y' | 'w0' | 'b0', TJson>; steps: number; runs: Record<string, Run> }>('optim.json')

function setup(run: Run) {
  const dt = run.dtype
  const cast = (t: TJson) => fromJson(t).to(dt)
  const x = cast(fx.problem.x), y = cast(fx.problem.y)
  const w = new Parameter(cast(fx.problem.w0)), b = new Parameter(cast(fx.problem.b0))
  const params = run.groups ? [{ params: [w], ...run.groups[0] }, { params: [b], ...run.groups[1] }] : [w, b]
  const Cls = { SGD, Adam, AdamW }[run.optimizer]
  const opt: Optimizer = new Cls(params as never, run.options as never)
  const sched = run.scheduler === 'sequential'
    ? new SequentialLR(opt, { schedulers: [new LinearLR(opt, { startFactor: 0.1, endFactor: 1, totalIters: 5 }), new CosineAnnealingLR(opt, { tMax: 15, etaMin: 1e-4 })], milestones: [5] })
    : run.scheduler === 'step' ? new StepLR(opt, { stepSize: 5, gamma: 0.5 }) : null
  const lossFn = () => x.matmul(w).add(b).tanh().sub(y).square().mean()
  const step = () => {
    opt.zeroGrad()
    const loss = lossFn()
    loss.backward()
    opt.step()
    sched?.step()
    return loss.item()
  }
  return { w, b, opt, sched, step }
}

describe('optimizers match PyTorch 1.13 trajectories', () => {
  for (const [name, run] of Object.entries(fx.runs)) {
    // float64 runs agree to rounding (1e-13). float32 runs to 1e-6 relative plus 1e-6
    // absolute: PyTorch rounds every intermediate to float32 (and fuses some multiply-adds),
    // this implementation rounds once per stored value; momentum amplifies that ulp-level noise
    const rtol = run.dtype === 'float32' ? 1e-6 : 1e-13
    const atol = run.dtype === 'float32' ? 1e-6 : 1e-16
    it(`${name} (${run.optimizer}, ${run.dtype}, ${fx.steps} steps)`, () => {
      const { w, b, opt, step } = setup(run)
      for (let i = 0; i < fx.steps; i++) {
        const loss = step()
        expectClose([loss], [run.losses[i]], rtol, atol, `${name} loss at step ${i}`)
        expectClose(w, run.trajectory[i].w, rtol, atol, `${name} w after step ${i + 1}`)
        expectClose(b, run.trajectory[i].b, rtol, atol, `${name} b after step ${i + 1}`)
        expectClose(opt.paramGroups.map((g) => g.lr), run.lrs[i], 1e-12, 0, `${name} lr after step ${i + 1}`)
      }
    })
  }

  it('resuming from stateDict continues the same trajectory (every optimizer)', () => {
    for (const name of ['sgd_nesterov', 'adam_wd_amsgrad', 'adamw_groups', 'adamw_sequential']) {
      const run = fx.runs[name]
      const first = setup(run)
      for (let i = 0; i < 10; i++) first.step()
      const optState = JSON.parse(JSON.stringify(first.opt.stateDict(), (_k, v) => (v instanceof Tensor ? { t: v.toList() } : v)))
      const schedState = first.sched?.stateDict()
      const second = setup(run)
      noGrad(() => { second.w.copy_(first.w); second.b.copy_(first.b) })
      const revive = (o: unknown): unknown => (o && typeof o === 'object' && 't' in (o as object) ? tensor((o as { t: number[] }).t, { dtype: run.dtype }) : o)
      const st = Object.fromEntries(Object.entries(optState.state as Record<string, Record<string, unknown>>).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([kk, vv]) => [kk, revive(vv)]))]))
      second.opt.loadStateDict({ state: st as never, paramGroups: optState.paramGroups })
      if (schedState) second.sched!.loadStateDict(JSON.parse(JSON.stringify(schedState)))
      for (let i = 10; i < fx.steps; i++) second.step()
      expectClose(second.w, run.trajectory[fx.steps - 1].w, 1e-10, 1e-13, `${name} resumed w`)
      expectClose(second.b, run.trajectory[fx.steps - 1].b, 1e-10, 1e-13, `${name} resumed b`)
    }
  })
})

describe('optimizer behaviour', () => {
  it('gradient accumulation: two half-batch backwards equal one full-batch backward', () => {
    const mk = () => new Parameter(tensor([[0.5, -0.2], [0.1, 0.3]], { dtype: 'float64' }))
    const x = tensor([[1, 2], [3, 4], [5, 6], [7, 8]], { dtype: 'float64' })
    const a = mk(), b = mk()
    const oa = new AdamW([a], { lr: 0.1 }), ob = new AdamW([b], { lr: 0.1 })
    x.matmul(a).square().mean().backward()
    oa.step()
    x.slice(0, 0, 2).matmul(b).square().mean().div(2).backward()
    x.slice(0, 2, 4).matmul(b).square().mean().div(2).backward()
    ob.step()
    expectClose(b, a, 1e-12, 1e-15, 'accumulated')
  })

  it('skips parameters without gradients and checks its inputs', () => {
    const p = new Parameter(tensor([1, 2])), q = new Parameter(tensor([3]))
    const opt = new SGD([p, q], { lr: 1 })
    p.sum().backward()
    opt.step()
    expect(p.toList()).toEqual([0, 1])
    expect(q.toList()).toEqual([3])
    expect(() => new SGD([p, p], { lr: 1 })).toThrow(/more than one/)
    expect(() => new SGD([], { lr: 1 })).toThrow(ValueError)
    expect(() => new SGD([p.mul(2)], { lr: 1 })).toThrow(/non-leaf/)
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(/nesterov/)
    expect(() => new Adam([p], { betas: [0.9, 1.5] })).toThrow(/betas/)
    expect(() => new AdamW([p], { lr: -1 })).toThrow(/learning rate/)
  })

  it('a step bumps the parameter version, so a stale graph is caught', () => {
    const p = new Parameter(tensor([1, 2]))
    const y = p.mul(p).sum()
    const opt = new SGD([p], { lr: 0.1 })
    p.mul(3).sum().backward()
    opt.step()
    expect(() => y.backward()).toThrow(/modified by an in-place operation/)
  })

  it('zeroGrad sets to null or zero', () => {
    const p = new Parameter(tensor([1, 2]))
    const opt = new SGD([p], { lr: 0.1 })
    p.sum().backward()
    opt.zeroGrad({ setToNone: false })
    expect(p.grad!.toList()).toEqual([0, 0])
    opt.zeroGrad()
    expect(p.grad).toBeNull()
  })

  it('step(closure) returns the loss', () => {
    const p = new Parameter(tensor([3], { dtype: 'float64' }))
    const opt = new SGD([p], { lr: 0.25 })
    const loss = opt.step(() => { opt.zeroGrad(); const l = p.square().sum(); l.backward(); return l }) as Tensor
    expect(loss.item()).toBe(9)
    expect(p.item()).toBe(1.5)
  })
})

describe('gradient clipping', () => {
  it('clipGradNorm_ scales to maxNorm and returns the total norm', () => {
    const a = new Parameter(tensor([0, 0], { dtype: 'float64' })), b = new Parameter(tensor([0], { dtype: 'float64' }))
    a.grad = tensor([3, 0], { dtype: 'float64' }); b.grad = tensor([4], { dtype: 'float64' })
    const total = clipGradNorm_([a, b], 1)
    expect(total).toBe(5)
    expectClose(a.grad!, [0.6 * 5 / (5 + 1e-6), 0], 1e-12)
    expectClose(b.grad!, [0.8 * 5 / (5 + 1e-6)], 1e-12)
    // below the threshold: untouched
    expect(clipGradNorm_([a, b], 10)).toBeCloseTo(1, 5)
    expectClose(b.grad!, [0.8 * 5 / (5 + 1e-6)], 1e-12)
    // infinity norm
    a.grad = tensor([-7, 2], { dtype: 'float64' })
    expect(clipGradNorm_([a], 1, { normType: Infinity })).toBe(7)
    expectClose(a.grad!, [-7 / (7 + 1e-6), 2 / (7 + 1e-6)], 1e-12)
    a.grad = tensor([NaN, 1], { dtype: 'float64' })
    expect(() => clipGradNorm_(a, 1, { errorIfNonfinite: true })).toThrow(/NaN/)
  })

  it('clipGradValue_ clamps elementwise', () => {
    const a = new Parameter(tensor([0, 0, 0]))
    a.grad = tensor([-3, 0.5, 2])
    clipGradValue_([a], 1)
    expect(a.grad!.toList()).toEqual([-1, 0.5, 1])
  })
})
