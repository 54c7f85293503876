// Containers: ModuleList (indexed), ModuleDict (named), Sequential (chained).
import { IndexError, ValueError, type Tensor } from '@adjoint/core'
import { Module } from '../module.js'

function assertModule(op: string, m: unknown, what: string): asserts m is Module {
  if (!(m instanceof Module)) throw new ValueError(`${op}: ${what} must be a Module, got ${m === null ? 'null' : typeof m}`)
}

/** A list of submodules, named "0", "1", ... (so parameters are `layers.0.weight`). */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  declare private readonly items: M[]

  constructor(modules: Iterable<M> = []) {
    super()
    Object.defineProperty(this, 'items', { value: [], enumerable: false })
    for (const m of modules) this.append(m)
  }

  protected override members(): Iterable<[string, unknown]> {
    return this.items.map((m, i) => [String(i), m] as [string, unknown])
  }

  protected override setMember(): void {
    throw new ValueError('ModuleList: holds modules only')
  }

  get length(): number {
    return this.items.length
  }

  /** The module at index i (negative counts from the end). */
  get(i: number): M {
    const j = i < 0 ? i + this.items.length : i
    if (!Number.isInteger(j) || j < 0 || j >= this.items.length) throw new IndexError(`ModuleList.get: index ${i} out of range for ${this.items.length} modules`)
    return this.items[j]
  }

  set(i: number, m: M): void {
    this.get(i)
    assertModule('ModuleList.set', m, 'the value')
    this.items[i < 0 ? i + this.items.length : i] = m
  }

  append(m: M): this {
    assertModule('ModuleList.append', m, 'the value')
    this.items.push(m)
    return this
  }

  extend(ms: Iterable<M>): this {
    for (const m of ms) this.append(m)
    return this
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]()
  }

  map<T>(fn: (m: M, i: number) => T): T[] {
    return this.items.map(fn)
  }
}

/** Submodules by name (keys may not contain "."). */
export class ModuleDict<M extends Module = Module> extends Module implements Iterable<[string, M]> {
  declare private readonly items: Map<string, M>

  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super()
    Object.defineProperty(this, 'items', { value: new Map(), enumerable: false })
    const entries = Symbol.iterator in modules ? (modules as Iterable<[string, M]>) : Object.entries(modules)
    for (const [k, m] of entries) this.set(k, m)
  }

  protected override members(): Iterable<[string, unknown]> {
    return this.items.entries()
  }

  protected override setMember(): void {
    throw new ValueError('ModuleDict: holds modules only')
  }

  get size(): number {
    return this.items.size
  }

  get(key: string): M {
    const m = this.items.get(key)
    if (!m) throw new IndexError(`ModuleDict.get: no module "${key}" (have ${[...this.items.keys()].join(', ') || 'none'})`)
    return m
  }

  has(key: string): boolean {
    return this.items.has(key)
  }

  set(key: string, m: M): this {
    if (typeof key !== 'string' || key === '' || key.includes('.')) throw new ValueError(`ModuleDict.set: key must be a non-empty string without ".", got ${JSON.stringify(key)}`)
    assertModule('ModuleDict.set', m, `module "${key}"`)
    this.items.set(key, m)
    return this
  }

  delete(key: string): boolean {
    return this.items.delete(key)
  }

  keys(): string[] {
    return [...this.items.keys()]
  }

  values(): M[] {
    return [...this.items.values()]
  }

  [Symbol.iterator](): Iterator<[string, M]> {
    return this.items.entries()
  }
}

/** A module that maps one tensor to one tensor. */
export interface UnaryModule extends Module {
  forward(x: Tensor): Tensor
}

/** Modules applied one after another: forward(x) = mN(...m1(m0(x))). */
export class Sequential extends ModuleList<UnaryModule> {
  constructor(...modules: UnaryModule[]) {
    super(modules)
  }

  override forward(x: Tensor): Tensor {
    for (const m of this) x = m.forward(x)
    return x
  }
}
