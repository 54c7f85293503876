// Learning-rate schedulers with PyTorch's semantics: the constructor performs
// step 0, each step() advances lastEpoch and sets every group's lr. The
// chainable (recursive) formulas are PyTorch's, so composition (SequentialLR)
// gives the same numbers.
import { ValueError } from '@adjoint/core'
import type { Optimizer, ParamGroup } from './optimizer.js'

export type SchedulerState = Record<string, unknown>

export abstract class LRScheduler {
  lastEpoch: number
  baseLrs: number[]
  lastLr: number[] = []
  stepCount = 0

  constructor(readonly optimizer: Optimizer, lastEpoch = -1) {
    if (!optimizer || !Array.isArray((optimizer as Optimizer).paramGroups)) throw new ValueError(`${new.target.name}: expected an Optimizer`)
    if (lastEpoch === -1) {
      for (const g of optimizer.paramGroups) g.initialLr ??= g.lr
    } else {
      optimizer.paramGroups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new ValueError(`${new.target.name}: param group ${i} has no initialLr; it is needed to resume with lastEpoch ${lastEpoch}`)
      })
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!)
    this.lastEpoch = lastEpoch
  }

  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups
  }

  /** Subclasses call this at the end of their constructor (once their fields exist). */
  initialStep(): void {
    this.stepCount = 0
    this.step()
  }

  /** The chainable form: new lrs from the current ones. */
  protected abstract getLr(): number[]

  /** The closed form, used by step(epoch) (and SequentialLR at a milestone) when defined. */
  protected closedFormLr?(): number[]

  step(epoch?: number): void {
    this.stepCount++
    let values: number[]
    if (epoch === undefined) {
      this.lastEpoch++
      values = this.getLr()
    } else {
      this.lastEpoch = epoch
      values = this.closedFormLr ? this.closedFormLr() : this.getLr()
    }
    this.groups.forEach((g, i) => { g.lr = values[i] })
    this.lastLr = this.groups.map((g) => g.lr)
  }

  getLastLr(): number[] {
    return [...this.lastLr]
  }

  /** Every field except the optimizer (and functions): JSON-serializable. */
  stateDict(): SchedulerState {
    const out: SchedulerState = {}
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer' || typeof v === 'function') continue
      out[k] = Array.isArray(v) ? [...v] : v
    }
    return out
  }

  loadStateDict(state: SchedulerState): void {
    if (!state || typeof state !== 'object') throw new ValueError(`${this.constructor.name}.loadStateDict: expected an object, got ${String(state)}`)
    for (const [k, v] of Object.entries(state)) {
      if (k === 'optimizer') continue
      ;(this as unknown as Record<string, unknown>)[k] = Array.isArray(v) ? [...v] : v
    }
  }
}

/** lr = baseLr * lambda(epoch), one lambda for all groups or one per group. */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: ((epoch: number) => number)[]

  constructor(optimizer: Optimizer, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], opts: { lastEpoch?: number } = {}) {
    super(optimizer, opts.lastEpoch)
    const n = optimizer.paramGroups.length
    if (Array.isArray(lrLambda) && lrLambda.length !== n) throw new ValueError(`LambdaLR: expected ${n} lrLambdas (one per param group), got ${lrLambda.length}`)
    this.lrLambdas = Array.isArray(lrLambda) ? [...lrLambda] : Array.from({ length: n }, () => lrLambda)
    this.initialStep()
  }

  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch))
  }

  override stateDict(): SchedulerState {
    const s = super.stateDict()
    delete s.lrLambdas
    return s
  }
}

/** Multiplies the lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number
  readonly gamma: number

  constructor(optimizer: Optimizer, opts: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super(optimizer, opts.lastEpoch)
    if (!Number.isInteger(opts.stepSize) || opts.stepSize <= 0) throw new ValueError(`StepLR: stepSize must be a positive integer, got ${opts.stepSize}`)
    this.stepSize = opts.stepSize
    this.gamma = opts.gamma ?? 0.1
    this.initialStep()
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr)
    return this.groups.map((g) => g.lr * this.gamma)
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize))
  }
}

/** Cosine from the base lr down to etaMin over tMax epochs (and back up after, as PyTorch). */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number
  readonly etaMin: number

  constructor(optimizer: Optimizer, opts: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    super(optimizer, opts.lastEpoch)
    if (!(opts.tMax > 0)) throw new ValueError(`CosineAnnealingLR: tMax must be positive, got ${opts.tMax}`)
    this.tMax = opts.tMax
    this.etaMin = opts.etaMin ?? 0
    this.initialStep()
  }

  protected getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this
    if (e === 0) return this.groups.map((g) => g.lr)
    if (this.stepCount === 1 && e > 0) return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2)
    if ((((e - 1 - T) % (2 * T)) + 2 * T) % (2 * T) === 0) return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2)
    return this.groups.map((g) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) + etaMin)
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2)
  }
}

/** Scales the lr linearly from startFactor to endFactor over totalIters epochs. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number
  readonly endFactor: number
  readonly totalIters: number

  constructor(optimizer: Optimizer, opts: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    super(optimizer, opts.lastEpoch)
    this.startFactor = opts.startFactor ?? 1 / 3
    this.endFactor = opts.endFactor ?? 1
    this.totalIters = opts.totalIters ?? 5
    if (!(this.startFactor > 0 && this.startFactor <= 1)) throw new ValueError(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`)
    if (!(this.endFactor >= 0 && this.endFactor <= 1)) throw new ValueError(`LinearLR: endFactor must be in [0, 1], got ${this.endFactor}`)
    this.initialStep()
  }

  protected getLr(): number[] {
    const { startFactor: s, endFactor: f, totalIters: T, lastEpoch: e } = this
    if (e === 0) return this.groups.map((g) => g.lr * s)
    if (e > T) return this.groups.map((g) => g.lr)
    return this.groups.map((g) => g.lr * (1 + (f - s) / (T * s + (e - 1) * (f - s))))
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: f, totalIters: T } = this
    return this.baseLrs.map((b) => b * (s + ((f - s) * Math.min(T, this.lastEpoch)) / T))
  }
}

/** Runs schedulers one after another, switching at the milestones (epoch counts). */
export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[]
  readonly milestones: number[]

  constructor(optimizer: Optimizer, opts: { schedulers: LRScheduler[]; milestones: number[]; lastEpoch?: number }) {
    super(optimizer, -1)
    const { schedulers, milestones } = opts
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new ValueError('SequentialLR: expected a non-empty list of schedulers')
    schedulers.forEach((s, i) => { if (s.optimizer !== optimizer) throw new ValueError(`SequentialLR: scheduler ${i} belongs to a different optimizer`) })
    if (milestones.length !== schedulers.length - 1) throw new ValueError(`SequentialLR: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${milestones.length}`)
    this.schedulers = schedulers
    this.milestones = [...milestones]
    this.lastEpoch = (opts.lastEpoch ?? -1) + 1
    for (const g of optimizer.paramGroups) g.lr = g.initialLr!
    for (const s of schedulers) s.lastEpoch -= 1 // undo the step each scheduler's constructor made
    schedulers[0].initialStep()
    this.lastLr = schedulers[0].getLastLr()
  }

  protected getLr(): number[] {
    return this.groups.map((g) => g.lr)
  }

  override step(): void {
    this.lastEpoch++
    let idx = 0
    while (idx < this.milestones.length && this.milestones[idx] <= this.lastEpoch) idx++
    const s = this.schedulers[idx]
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0)
    else s.step()
    this.lastLr = s.getLastLr()
  }

  override stateDict(): SchedulerState {
    const out = super.stateDict()
    out.schedulers = this.schedulers.map((s) => s.stateDict())
    return out
  }

  override loadStateDict(state: SchedulerState): void {
    const { schedulers, ...rest } = state
    super.loadStateDict(rest)
    if (!Array.isArray(schedulers) || schedulers.length !== this.schedulers.length) throw new ValueError(`SequentialLR.loadStateDict: expected ${this.schedulers.length} scheduler states`)
    this.schedulers.forEach((s, i) => s.loadStateDict(schedulers[i] as SchedulerState))
  }
}

export interface WarmupCosineOptions {
  /** Linear warmup iterations: lr (it + 1) / (warmupIters + 1). */
  warmupIters: number
  /** Iteration where the cosine reaches minLr (and stays). */
  lrDecayIters: number
  /** The floor; default a tenth of each group's base lr (nanoGPT's advice). */
  minLr?: number
}

/** nanoGPT's get_lr(it): linear warmup, cosine decay to minLr, then constant. */
export function warmupCosineLr(it: number, lr: number, opts: WarmupCosineOptions): number {
  const { warmupIters, lrDecayIters } = opts
  const minLr = opts.minLr ?? lr / 10
  if (it < warmupIters) return (lr * (it + 1)) / (warmupIters + 1)
  if (it > lrDecayIters) return minLr
  const ratio = (it - warmupIters) / (lrDecayIters - warmupIters)
  const coeff = 0.5 * (1 + Math.cos(Math.PI * ratio))
  return minLr + coeff * (lr - minLr)
}

/** The warmup-then-cosine schedule of nanoGPT as a scheduler: after k steps, lr = warmupCosineLr(k, baseLr). */
export class WarmupCosineLR extends LRScheduler {
  readonly warmupIters: number
  readonly lrDecayIters: number
  readonly minLr: number | null

  constructor(optimizer: Optimizer, opts: WarmupCosineOptions & { lastEpoch?: number }) {
    super(optimizer, opts.lastEpoch)
    if (!Number.isInteger(opts.warmupIters) || opts.warmupIters < 0) throw new ValueError(`WarmupCosineLR: warmupIters must be a non-negative integer, got ${opts.warmupIters}`)
    if (!(opts.lrDecayIters > opts.warmupIters)) throw new ValueError(`WarmupCosineLR: lrDecayIters (${opts.lrDecayIters}) must exceed warmupIters (${opts.warmupIters})`)
    this.warmupIters = opts.warmupIters
    this.lrDecayIters = opts.lrDecayIters
    this.minLr = opts.minLr ?? null
    this.initialStep()
  }

  protected getLr(): number[] {
    return this.baseLrs.map((b) => warmupCosineLr(this.lastEpoch, b, { warmupIters: this.warmupIters, lrDecayIters: this.lrDecayIters, minLr: this.minLr ?? undefined }))
  }

  protected override closedFormLr(): number[] {
    return this.getLr()
  }
}
