// Optimizer: parameter groups, per-parameter state, zeroGrad, and a state dict
// that lets a run resume. Subclasses implement step() as tight loops over the
// TypedArrays of parameters, gradients and state (no temporaries).
import { DTypeError, ShapeError, Tensor, ValueError, enableGrad, isFloat, noGrad, type FloatArray } from '@adjoint/core'

/** Hyper-parameters of one group plus its parameters. `initialLr` is set by LR schedulers. */
export interface ParamGroup {
  params: Tensor[]
  lr: number
  initialLr?: number
  [hyper: string]: unknown
}

/** What a constructor takes: parameters, or groups of parameters with per-group overrides. */
export type ParamsInput<H> = Iterable<Tensor> | Iterable<{ params: Iterable<Tensor> } & Partial<H>>

export type StateValue = Tensor | number
export type ParamState = Record<string, StateValue>

/** PyTorch's layout: state by parameter index (counting through the groups), groups with indices for params. */
export interface OptimizerStateDict {
  state: Record<number, ParamState>
  paramGroups: (Record<string, unknown> & { params: number[] })[]
}

export abstract class Optimizer<H extends { lr: number } = { lr: number }> {
  readonly paramGroups: (ParamGroup & H)[] = []
  readonly state = new Map<Tensor, ParamState>()

  constructor(params: ParamsInput<H>, readonly defaults: H) {
    const list = [...(params as Iterable<unknown>)]
    if (list.length === 0) throw new ValueError(`${this.constructor.name}: got an empty parameter list`)
    const groups = (list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : list) as ({ params: Iterable<Tensor> } & Partial<H>)[]
    for (const g of groups) this.addParamGroup(g)
  }

  /** Adds a group; options not given take the optimizer's defaults. */
  addParamGroup(group: { params: Iterable<Tensor> } & Partial<H>): void {
    const name = this.constructor.name
    if (group === null || typeof group !== 'object' || !('params' in group)) throw new ValueError(`${name}: a parameter group must be an object with a params list`)
    const params = group.params instanceof Tensor ? [group.params] : [...group.params]
    const seen = new Set(this.paramGroups.flatMap((g) => g.params))
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new ValueError(`${name}: parameters must be Tensors, got ${p === null ? 'null' : typeof p}`)
      if (!isFloat(p.dtype)) throw new DTypeError(`${name}: can only optimize floating-point tensors, got ${p.dtype}`)
      if (!p.isLeaf) throw new ValueError(`${name}: can't optimize a non-leaf tensor (shape [${p.shape.join(',')}]); optimize the leaves it was computed from`)
      if (!p.isContiguous()) throw new ValueError(`${name}: parameters must be contiguous, got shape [${p.shape.join(',')}] with strides [${p.strides.join(',')}]`)
      if (seen.has(p)) throw new ValueError(`${name}: some parameters appear in more than one parameter group (or twice in one)`)
      seen.add(p)
    }
    const g = { ...this.defaults, ...group, params } as ParamGroup & H
    this.validateGroup(g)
    this.paramGroups.push(g)
  }

  /** Subclasses check hyper-parameters here (throwing ValueError). */
  protected validateGroup(group: ParamGroup & H): void {
    if (typeof group.lr !== 'number' || !(group.lr >= 0)) throw new ValueError(`${this.constructor.name}: invalid learning rate ${group.lr}`)
  }

  /** Sets gradients to null (default) or to zero. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const g of this.paramGroups) for (const p of g.params) {
      if (p.grad === null) continue
      if (opts.setToNone ?? true) p.grad = null
      else noGrad(() => p.grad!.detach().zero_())
    }
  }

  /** One update of every parameter that has a gradient. `closure` recomputes the loss (with grad enabled) and returns it. */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    const loss = closure ? enableGrad(closure) : undefined
    noGrad(() => {
      for (const group of this.paramGroups) this.updateGroup(group)
    })
    return loss
  }

  protected abstract updateGroup(group: ParamGroup & H): void

  /** A state tensor the shape/dtype of p, created zero-filled on first use. */
  protected stateBuffer(p: Tensor, key: string): { data: FloatArray; fresh: boolean } {
    let st = this.state.get(p)
    if (!st) { st = {}; this.state.set(p, st) }
    let t = st[key]
    const fresh = !(t instanceof Tensor)
    if (fresh) { t = Tensor.zeros(p.shape, p.dtype); st[key] = t }
    return { data: (t as Tensor).data as FloatArray, fresh }
  }

  protected paramState(p: Tensor): ParamState {
    let st = this.state.get(p)
    if (!st) { st = {}; this.state.set(p, st) }
    return st
  }

  /** The group's parameters that have a gradient, split by dtype (each part can go to one backend call). */
  protected paramsWithGrad(group: ParamGroup): Tensor[][] {
    const parts = new Map<string, Tensor[]>()
    for (const p of group.params) {
      if (p.grad === null) continue
      const list = parts.get(p.dtype)
      if (list) list.push(p)
      else parts.set(p.dtype, [p])
    }
    return [...parts.values()]
  }

  /** Flat views of a parameter and its gradient (null when it has no gradient). */
  protected arrays(p: Tensor): { param: FloatArray; grad: FloatArray } | null {
    if (p.grad === null) return null
    const g = p.grad
    if (g.dtype !== p.dtype || g.numel() !== p.numel()) throw new ShapeError(`${this.constructor.name}: gradient of shape [${g.shape.join(',')}] (${g.dtype}) does not match its parameter [${p.shape.join(',')}] (${p.dtype})`)
    return { param: p.data as FloatArray, grad: g.contiguousData() as FloatArray }
  }

  /** Parameter data was written in place: bump its version so stale autograd graphs notice. */
  protected touched(p: Tensor): void {
    p.storage.version++
  }

  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>()
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g
      return { ...structuredCloneHyper(hyper), params: params.map((p) => { const i = index.size; index.set(p, i); return i }) }
    })
    const state: Record<number, ParamState> = {}
    for (const [p, st] of this.state) {
      const i = index.get(p)
      if (i === undefined) continue
      state[i] = Object.fromEntries(Object.entries(st).map(([k, v]) => [k, v instanceof Tensor ? v.detach() : v]))
    }
    return { state, paramGroups }
  }

  /** Restores hyper-parameters and state saved by stateDict() (the groups must hold the same number of parameters). */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = this.constructor.name
    if (!sd || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object' || sd.state === null) {
      throw new ValueError(`${name}.loadStateDict: expected {state, paramGroups}, got ${JSON.stringify(sd)?.slice(0, 80)}`)
    }
    if (sd.paramGroups.length !== this.paramGroups.length) throw new ValueError(`${name}.loadStateDict: the state dict has ${sd.paramGroups.length} parameter groups, the optimizer has ${this.paramGroups.length}`)
    const byIndex = new Map<number, Tensor>()
    sd.paramGroups.forEach((g, gi) => {
      const own = this.paramGroups[gi].params
      if (!Array.isArray(g.params) || g.params.length !== own.length) throw new ValueError(`${name}.loadStateDict: parameter group ${gi} has ${Array.isArray(g.params) ? g.params.length : '?'} parameters in the state dict, ${own.length} in the optimizer`)
      g.params.forEach((idx, k) => byIndex.set(idx, own[k]))
    })
    const newState = new Map<Tensor, ParamState>()
    for (const [key, st] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(key))
      if (!p) throw new ValueError(`${name}.loadStateDict: state for parameter ${key}, which no group lists`)
      const copy: ParamState = {}
      for (const [k, v] of Object.entries(st)) {
        if (v instanceof Tensor) {
          if (v.numel() !== p.numel()) throw new ShapeError(`${name}.loadStateDict: state "${k}" of parameter ${key} has shape [${v.shape.join(',')}], the parameter has [${p.shape.join(',')}]`)
          copy[k] = noGrad(() => v.detach().to(p.dtype).reshape(p.shape).clone())
        } else if (typeof v === 'number') copy[k] = v
        else throw new ValueError(`${name}.loadStateDict: state "${k}" of parameter ${key} must be a Tensor or a number`)
      }
      newState.set(p, copy)
    }
    this.state.clear()
    for (const [p, st] of newState) this.state.set(p, st)
    sd.paramGroups.forEach((g, gi) => {
      const { params: _, ...hyper } = g
      Object.assign(this.paramGroups[gi], structuredCloneHyper(hyper))
    })
  }
}

function structuredCloneHyper(h: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(h)) {
    if (typeof v === 'function') continue
    out[k] = Array.isArray(v) ? [...v] : v
  }
  return out
}

