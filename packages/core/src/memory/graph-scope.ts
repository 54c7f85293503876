// A step scope: the forward activations of a training step go back to the pool
// when the step is over, so the next step's forward reuses them instead of
// allocating fresh arrays that V8 must collect.
//
// JavaScript cannot tell which tensors user code still holds, so the scope is
// the contract: inside `graphScope(fn)`, the tensors the step's backward pass
// consumed are dead once fn returns, except what fn returns (or keep()s).
// When fn returns, a storage goes back to the pool only if
//  - Tensor.empty / zeros allocated it inside the scope (never a parameter, an
//    input made outside, a .grad or an array the user handed in), and
//  - it holds the output or a saved tensor of a node recorded inside the scope, and
//  - no tensor that is still of use shares it: fn's result and keep()s, the
//    graph behind a kept tensor that was not backpropagated yet (its outputs and
//    saved tensors), outputs with retainGrad or a hook, the nodes of a custom
//    Function (opaque: user code may have kept their tensors).
// Nodes no backward reached (a branch computed for a metric, views the attention
// kernel bypasses) are dead too once fn returns, unless a kept tensor leads to them.
// A backward with retainGraph, createGraph or autograd.grad targets inside the
// scope turns the release off (the graph, or results that read forward
// activations, may be used after the scope).
// A released storage is emptied (data of length 0), so a stale holder fails
// loudly rather than reading another op's numbers.
import type { Node } from '../autograd/node.js'
import { setAllocSink, Tensor, type Storage } from '../tensor.js'
import { releaseStorage } from './pool.js'

interface Scope {
  readonly allocated: Set<Storage>
  readonly nodes: Node[]
  readonly outs: Tensor[]
  readonly saved: (readonly Tensor[])[]
  readonly kept: Tensor[]
  unsafe: boolean
  readonly prevSink: ((s: Storage) => void) | null
  /** releaseDuringBackward: per storage, the nodes of this scope not yet freed that read it (output or saved). */
  readonly readers: Map<Storage, number> | null
  /** releaseDuringBackward: where each node's record sits. */
  readonly index: Map<Node, number> | null
  /** releaseDuringBackward: storages that must stay (kept, or of a node with a hook, retainGrad or user code). */
  readonly pinned: Set<Storage> | null
  readonly everything: boolean
}

export interface GraphScopeOptions {
  /**
   * Give each activation back as soon as the backward pass has run every node that
   * reads it (instead of when fn returns), so the backward's own buffers reuse the
   * forward's and the step needs less memory. fn must not read, after its backward,
   * any tensor of the graph it did not keep() before it (optimizerStep reads only the loss).
   */
  releaseDuringBackward?: boolean
  /**
   * Give back every buffer allocated inside fn, graph or not (e.g. a no-grad
   * evaluation, whose activations no node records), except what fn returns or
   * keep()s. Only for code that stores no tensor it makes unless it keep()s it: not
   * around a first optimizer step (its state is allocated there); nn's KVCache
   * keep()s the buffers it grows, so a decoding step may run in one.
   */
  releaseEverything?: boolean
}

const scopes: Scope[] = []

/** The innermost open scope (record() asks on every op: null is the common answer). */
export let activeScope: Scope | null = null

/** Called by record() for every node made while a scope is open. */
export function noteNode(scope: Scope, node: Node, out: Tensor, saved: readonly Tensor[]): void {
  if (scope.readers !== null) {
    scope.index!.set(node, scope.nodes.length)
    const r = scope.readers
    r.set(out.storage, (r.get(out.storage) ?? 0) + 1)
    for (const t of saved) r.set(t.storage, (r.get(t.storage) ?? 0) + 1)
  }
  scope.nodes.push(node)
  scope.outs.push(out)
  scope.saved.push(saved)
}

/** Called by the engine after it freed a node (its backward ran, no retainGraph, buffers reused): see releaseDuringBackward. */
export function noteNodeFreed(node: Node): void {
  const scope = activeScope
  if (scope === null || scope.readers === null || scope.unsafe) return
  const i = scope.index!.get(node)
  if (i === undefined) return
  const pin = node.hooks !== null || node.retained !== null || node.opaque
  readDone(scope, scope.outs[i].storage, pin)
  for (const t of scope.saved[i]) readDone(scope, t.storage, pin) // no array of the storages: this runs for every node of every step
}

/** One reader of s (a freed node) is done; the last one gives s back unless it is pinned. */
function readDone(scope: Scope, s: Storage, pin: boolean): void {
  const readers = scope.readers!, pinned = scope.pinned!
  if (pin) pinned.add(s)
  const n = readers.get(s)! - 1
  if (n > 0) { readers.set(s, n); return }
  readers.delete(s)
  if (pinned.has(s) || !scope.allocated.has(s) || s.data.length === 0) return
  releaseStorage(s)
}

/** Called by the engine: a backward whose results may keep reading forward activations. */
export function noteGraphKept(): void {
  for (const s of scopes) s.unsafe = true
}

/** Keeps tensors alive past the innermost scope's end (as if fn had returned them). */
export function keep<T extends Tensor | readonly Tensor[]>(t: T): T {
  if (activeScope !== null) {
    const ts = t instanceof Tensor ? [t] : (t as readonly Tensor[])
    activeScope.kept.push(...ts)
    if (activeScope.pinned !== null) for (const x of ts) activeScope.pinned.add(x.storage)
  }
  return t
}

/**
 * Runs one training step (forward, backward, optimizer update) and then gives
 * the buffers of its consumed graph back to the pool (see the rules above).
 * Tensors reachable from the result (a Tensor, or arrays / plain objects of them)
 * stay valid; any other tensor made inside fn must not be used afterwards.
 */
export function graphScope<T>(fn: () => T, opts: GraphScopeOptions = {}): T {
  const allocated = new Set<Storage>()
  const prevSink = setAllocSink((s) => { allocated.add(s) })
  const eager = opts.releaseDuringBackward === true
  const scope: Scope = {
    allocated, nodes: [], outs: [], saved: [], kept: [], unsafe: false, prevSink,
    readers: eager ? new Map() : null, index: eager ? new Map() : null, pinned: eager ? new Set() : null,
    everything: opts.releaseEverything === true,
  }
  scopes.push(scope)
  activeScope = scope
  let result: T
  let ok = false
  try {
    result = fn()
    ok = true
  } finally {
    scopes.pop()
    activeScope = scopes.length > 0 ? scopes[scopes.length - 1] : null
    setAllocSink(prevSink)
    if (ok) close(scope, result!)
    else if (activeScope !== null) activeScope.unsafe = true // an exception left tensors we know nothing about
  }
  return result!
}

/**
 * Gives t's buffer back to the pool now (when t is a whole, contiguous buffer of
 * its own) and empties its storage. Nothing may use t, or a view of it, afterwards
 * (e.g. last step's gradients, just before the optimizer drops them). Returns
 * whether the buffer was taken.
 */
export function releaseBuffer(t: Tensor): boolean {
  const s = t.storage
  if (t.offset !== 0 || s.data.length !== t.numel() || !t.isContiguous()) return false
  return releaseStorage(s)
}

function close(scope: Scope, result: unknown): void {
  const parent = activeScope
  if (scope.unsafe || parent?.unsafe) {
    if (parent) parent.unsafe = true
    return
  }
  const kept: Tensor[] = [...scope.kept]
  collect(result, kept, 0)
  const keepers = new Set<Storage>()
  for (const t of kept) { keepers.add(t.storage); if (t.grad) keepers.add(t.grad.storage) }
  keepGraphs(scope, kept, keepers)
  const free = new Set<Storage>()
  for (let i = 0; i < scope.nodes.length; i++) {
    const node = scope.nodes[i]
    // a hook or a custom Function's code may have kept the output; retainGrad means the user holds it
    const into = node.hooks === null && node.retained === null && !node.opaque ? free : keepers
    into.add(scope.outs[i].storage)
    for (const t of scope.saved[i]) into.add(t.storage)
  }
  if (scope.everything) for (const s of scope.allocated) free.add(s)
  for (const s of free) {
    if (keepers.has(s) || !scope.allocated.has(s) || s.data.length === 0) continue
    releaseStorage(s)
  }
  if (parent) {
    // what this scope kept (its result) is the enclosing scope's to judge
    for (let i = 0; i < scope.nodes.length; i++) noteNode(parent, scope.nodes[i], scope.outs[i], scope.saved[i])
    for (const s of scope.allocated) if (s.data.length > 0) parent.allocated.add(s)
    parent.kept.push(...scope.kept)
  }
}

/** A kept tensor whose graph was not backpropagated yet keeps that graph's activations (a later backward reads them). */
function keepGraphs(scope: Scope, kept: readonly Tensor[], keepers: Set<Storage>): void {
  let index: Map<Node, number> | null = null
  const seen = new Set<Node>()
  const stack: Node[] = []
  for (const t of kept) if (t.gradFn !== null && !t.gradFn.released) stack.push(t.gradFn)
  while (stack.length > 0) {
    const node = stack.pop()!
    if (seen.has(node)) continue
    seen.add(node)
    index ??= new Map(scope.nodes.map((n, i) => [n, i]))
    const i = index.get(node)
    if (i !== undefined) {
      keepers.add(scope.outs[i].storage)
      for (const t of scope.saved[i]) keepers.add(t.storage)
    }
    for (const inp of node.inputs) if (inp?.gradFn && !inp.gradFn.released) stack.push(inp.gradFn)
  }
}

/** Adds the tensors reachable from v (a Tensor, arrays, plain objects, Maps). */
function collect(v: unknown, into: Tensor[], depth: number): void {
  if (v === null || typeof v !== 'object' || depth > 8) return
  if (v instanceof Tensor) { into.push(v); return }
  if (Array.isArray(v)) { for (const x of v) collect(x, into, depth + 1); return }
  if (v instanceof Map) { for (const x of v.values()) collect(x, into, depth + 1); return }
  if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) collect(x, into, depth + 1)
}
