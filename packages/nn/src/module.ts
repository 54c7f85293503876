// Module: the base class of layers and models. Parameters, buffers and
// submodules are found from the module's own fields (a Parameter, a Module, or
// an array of them), in the order they were assigned, like torch.nn.Module.
import { DTypeError, IndexError, ShapeError, Tensor, ValueError, fmtShape, isFloat, noGrad, type DType } from '@adjoint/core'
import { Parameter } from './parameter.js'

/** Name -> tensor, in the model's order: parameters then buffers of each module, parents before children. */
export type StateDict = Record<string, Tensor>

export interface LoadResult {
  missingKeys: string[]
  unexpectedKeys: string[]
}

export class Module {
  /** Training mode (dropout active) or evaluation mode; set by train()/eval(). */
  training = true
  /** name -> persistent, for tensors registered with registerBuffer. */
  declare private readonly bufferNames: Map<string, boolean>

  constructor() {
    Object.defineProperty(this, 'bufferNames', { value: new Map(), enumerable: false })
  }

  /** The computation. Subclasses define it with their own signature. */
  forward(..._args: any[]): any {
    throw new ValueError(`${this.constructor.name}.forward: not implemented (containers like ModuleList hold modules; call them yourself)`)
  }

  /** The module's own fields as (name, value); containers override to expose their items. */
  protected members(): Iterable<[string, unknown]> {
    return Object.entries(this)
  }

  /** Sets the member named by members() (used by to()). */
  protected setMember(name: string, value: unknown): void {
    const dot = name.indexOf('.')
    const self = this as unknown as Record<string, unknown>
    if (dot < 0) self[name] = value
    else (self[name.slice(0, dot)] as unknown[])[Number(name.slice(dot + 1))] = value
  }

  private *ownParameters(): Generator<[string, Parameter]> {
    for (const [k, v] of this.members()) {
      if (v instanceof Parameter) yield [k, v]
      else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) if (v[i] instanceof Parameter) yield [`${k}.${i}`, v[i]]
    }
  }

  private *ownBuffers(persistentOnly: boolean): Generator<[string, Tensor]> {
    const self = this as unknown as Record<string, unknown>
    for (const [k, persistent] of this.bufferNames) {
      const t = self[k]
      if (t instanceof Tensor && (persistent || !persistentOnly)) yield [k, t]
    }
  }

  /** Direct submodules as (name, module). */
  *namedChildren(): Generator<[string, Module]> {
    for (const [k, v] of this.members()) {
      if (v instanceof Module) yield [k, v]
      else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) if (v[i] instanceof Module) yield [`${k}.${i}`, v[i]]
    }
  }

  children(): Module[] {
    return [...this.namedChildren()].map(([, m]) => m)
  }

  /** This module and every submodule, depth first, each once, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = []
    const seen = new Set<Module>()
    const walk = (m: Module, name: string) => {
      if (seen.has(m)) return
      seen.add(m)
      out.push([name, m])
      for (const [k, c] of m.namedChildren()) walk(c, name ? `${name}.${k}` : k)
    }
    walk(this, prefix)
    return out
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m)
  }

  /** Parameters with dotted names (`h.0.attn.qkv.weight`); a shared parameter is listed once. */
  namedParameters(opts: { prefix?: string; recurse?: boolean } = {}): [string, Parameter][] {
    const out: [string, Parameter][] = []
    const seen = new Set<Parameter>()
    const mods: [string, Module][] = opts.recurse === false ? [[opts.prefix ?? '', this]] : this.namedModules(opts.prefix ?? '')
    for (const [mn, m] of mods) {
      for (const [k, p] of m.ownParameters()) {
        if (seen.has(p)) continue
        seen.add(p)
        out.push([mn ? `${mn}.${k}` : k, p])
      }
    }
    return out
  }

  parameters(opts: { recurse?: boolean } = {}): Parameter[] {
    return this.namedParameters(opts).map(([, p]) => p)
  }

  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = []
    for (const [mn, m] of this.namedModules()) for (const [k, b] of m.ownBuffers(false)) out.push([mn ? `${mn}.${k}` : k, b])
    return out
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b)
  }

  /** Declares a buffer: a tensor that is state but not a parameter (saved by stateDict unless not persistent). */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, opts: { persistent?: boolean } = {}): T {
    checkName('registerBuffer', name)
    if (tensor instanceof Parameter) throw new ValueError(`registerBuffer: "${name}" is a Parameter; assign it to a field (or use registerParameter) instead`)
    if (tensor !== null && !(tensor instanceof Tensor)) throw new ValueError(`registerBuffer: "${name}" must be a Tensor or null`)
    ;(this as unknown as Record<string, unknown>)[name] = tensor
    this.bufferNames.set(name, opts.persistent ?? true)
    return tensor
  }

  /** Same as assigning a Parameter to a field: this[name] = param. */
  registerParameter(name: string, param: Parameter | null): void {
    checkName('registerParameter', name)
    if (param !== null && !(param instanceof Parameter)) throw new ValueError(`registerParameter: "${name}" must be a Parameter or null (wrap the tensor: new Parameter(t))`)
    ;(this as unknown as Record<string, unknown>)[name] = param
  }

  /** Same as assigning a Module to a field: this[name] = module. */
  registerModule(name: string, module: Module | null): void {
    checkName('registerModule', name)
    if (module !== null && !(module instanceof Module)) throw new ValueError(`registerModule: "${name}" must be a Module or null`)
    ;(this as unknown as Record<string, unknown>)[name] = module
  }

  /** The submodule at a dotted path ('' is this module). */
  getSubmodule(target: string): Module {
    if (target === '') return this
    const found = this.namedModules().find(([n]) => n === target)
    if (!found) throw new IndexError(`getSubmodule: ${this.constructor.name} has no submodule "${target}"`)
    return found[1]
  }

  getParameter(target: string): Parameter {
    const found = this.namedParameters().find(([n]) => n === target) ?? this.allParameterNames().find(([n]) => n === target)
    if (!found) throw new IndexError(`getParameter: ${this.constructor.name} has no parameter "${target}"`)
    return found[1]
  }

  private allParameterNames(): [string, Parameter][] {
    const out: [string, Parameter][] = []
    for (const [mn, m] of this.namedModules()) for (const [k, p] of m.ownParameters()) out.push([mn ? `${mn}.${k}` : k, p])
    return out
  }

  /** Training mode on (default) or off for this module and all submodules. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode
    return this
  }

  eval(): this {
    return this.train(false)
  }

  /** Clears the parameters' gradients: to null (default, like PyTorch 2), or to zeros with {setToNone: false}. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (p.grad === null) continue
      if (opts.setToNone ?? true) p.grad = null
      else noGrad(() => p.grad!.detach().zero_())
    }
  }

  /** Calls fn on every submodule (children first) and then on this one; returns this. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn)
    fn(this)
    return this
  }

  /** Freezes (false) or unfreezes (true) all parameters. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad)
    return this
  }

  /** Number of parameter elements (shared parameters counted once). */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    let n = 0
    for (const p of this.parameters()) if (!opts.trainableOnly || p.requiresGrad) n += p.numel()
    return n
  }

  /** Every parameter and persistent buffer by dotted name; the tensors share memory with the module's. */
  stateDict(opts: { prefix?: string } = {}): StateDict {
    const out: StateDict = {}
    for (const [name, t] of this.stateEntries(opts.prefix ?? '')) out[name] = t.detach()
    return out
  }

  private stateEntries(prefix: string): [string, Tensor][] {
    const out: [string, Tensor][] = []
    for (const [mn, m] of this.namedModules(prefix)) {
      const full = (k: string) => (mn ? `${mn}.${k}` : k)
      for (const [k, p] of m.ownParameters()) out.push([full(k), p])
      for (const [k, b] of m.ownBuffers(true)) out.push([full(k), b])
    }
    return out
  }

  /**
   * Copies the tensors of `stateDict` into this module's parameters and buffers
   * (converting dtype). Shape mismatches always throw; with strict (default),
   * missing and unexpected keys do too. All problems are reported in one error.
   */
  loadStateDict(stateDict: StateDict, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true
    if (stateDict === null || typeof stateDict !== 'object') throw new ValueError(`loadStateDict: expected an object of name -> Tensor, got ${stateDict === null ? 'null' : typeof stateDict}`)
    const own = new Map(this.stateEntries(''))
    const missingKeys = [...own.keys()].filter((k) => !(k in stateDict))
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !own.has(k))
    const problems: string[] = []
    if (strict && missingKeys.length > 0) problems.push(`missing keys: ${missingKeys.join(', ')}`)
    if (strict && unexpectedKeys.length > 0) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`)
    for (const [k, target] of own) {
      if (!(k in stateDict)) continue
      const src = stateDict[k]
      if (!(src instanceof Tensor)) { problems.push(`${k}: expected a Tensor, got ${src === null ? 'null' : typeof src}`); continue }
      if (src.ndim !== target.ndim || src.shape.some((s, i) => s !== target.shape[i])) problems.push(`shape mismatch for ${k}: the state dict has ${fmtShape(src.shape)}, the model has ${fmtShape(target.shape)}`)
      else if (isFloat(src.dtype) !== isFloat(target.dtype)) problems.push(`dtype mismatch for ${k}: the state dict has ${src.dtype}, the model has ${target.dtype}`)
    }
    if (problems.length > 0) {
      const err = problems.some((p) => p.startsWith('shape')) && problems.every((p) => p.startsWith('shape')) ? ShapeError : ValueError
      throw new err(`loadStateDict: error(s) loading the state dict into ${this.constructor.name}:\n  ${problems.join('\n  ')}`)
    }
    noGrad(() => {
      for (const [k, target] of own) if (k in stateDict) target.copy_(stateDict[k])
    })
    return { missingKeys, unexpectedKeys }
  }

  /** Converts floating-point parameters and buffers to `dtype` (new tensors; gradients are dropped). */
  to(dtype: DType): this {
    if (dtype !== 'float32' && dtype !== 'float64') throw new DTypeError(`Module.to: expected float32 or float64, got ${dtype}`)
    for (const m of this.modules()) {
      for (const [k, p] of [...m.ownParameters()]) if (p.dtype !== dtype) m.setMember(k, new Parameter(noGrad(() => p.detach().to(dtype)), p.requiresGrad))
      for (const [k, b] of [...m.ownBuffers(false)]) if (isFloat(b.dtype) && b.dtype !== dtype) (m as unknown as Record<string, unknown>)[k] = noGrad(() => b.to(dtype))
    }
    return this
  }

  double(): this {
    return this.to('float64')
  }

  float(): this {
    return this.to('float32')
  }

  /** Hyper-parameters shown by toString(), e.g. "inFeatures=4, outFeatures=2, bias=true". */
  extraRepr(): string {
    return ''
  }

  /** A tree like PyTorch's: Name(extra) with one indented line per child. */
  toString(): string {
    const lines: string[] = []
    const extra = this.extraRepr()
    if (extra) lines.push(...extra.split('\n'))
    for (const [k, c] of this.namedChildren()) {
      const sub = c.toString().split('\n').join('\n  ')
      lines.push(`(${k}): ${sub}`)
    }
    const name = this.constructor.name
    if (lines.length === 0) return `${name}()`
    if (lines.length === 1 && extra && !extra.includes('\n') && [...this.namedChildren()].length === 0) return `${name}(${extra})`
    return `${name}(\n  ${lines.join('\n  ')}\n)`
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString()
  }
}

function checkName(op: string, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) throw new ValueError(`${op}: name must be a non-empty string without ".", got ${JSON.stringify(name)}`)
}
