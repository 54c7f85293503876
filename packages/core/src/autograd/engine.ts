// The backward pass: one walk over the graph in reverse topological order
// (Kahn's algorithm on an explicit queue: no recursion, so a 100,000-op chain
// cannot overflow the stack). Gradients are summed per node (a tensor used twice
// gets both contributions), broadcast inputs get their gradient summed back to
// their shape here, once, for every op.
import { AutogradError, ShapeError, ValueError, fmtShape } from '../errors.js'
import { shapesEqual } from '../shape.js'
import { Tensor } from '../tensor.js'
import { checkAnomaly } from './anomaly.js'
import { anomaly } from './anomaly-state.js'
import { poolEnabled } from '../memory/pool.js'
import { noteGraphKept, noteNodeFreed } from '../memory/graph-scope.js'
import { enableGrad, noGrad } from './grad-mode.js'
import { GradMemory } from './grad-memory.js'
import type { Node } from './node.js'
import { traceBackward } from './trace-state.js'

export interface BackwardOptions {
  /** Keep saved tensors so backward can run through this graph again. */
  retainGraph?: boolean
  /** Record the backward pass itself, so gradients can be differentiated again. */
  createGraph?: boolean
}

/** Sums a broadcast gradient back to `shape` (the gradient of expand is a sum). */
export function sumToShape(grad: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad
  const lead = grad.ndim - shape.length
  if (lead < 0) throw new ShapeError(`backward: gradient of shape ${fmtShape(grad.shape)} cannot be reduced to input shape ${fmtShape(shape)}`)
  const dims: number[] = []
  for (let i = 0; i < grad.ndim; i++) {
    if (i < lead) dims.push(i)
    else if (shape[i - lead] === 1 && grad.shape[i] !== 1) dims.push(i)
    else if (shape[i - lead] !== grad.shape[i]) throw new ShapeError(`backward: gradient of shape ${fmtShape(grad.shape)} cannot be reduced to input shape ${fmtShape(shape)}`)
  }
  return grad.sum(dims, true).reshape(shape)
}

interface Run {
  retainGraph: boolean
  createGraph: boolean
  /** autograd.grad: gradients wanted for these tensors (leaf .grad is left alone). */
  targets: Map<Tensor, Tensor | null> | null
  /** Reuse of gradient buffers (null when off: createGraph, autograd.grad targets, anomaly mode, tracing). */
  memory: GradMemory | null
}

/**
 * Backpropagates `grads` from `roots`. With targets, returns their gradients
 * instead of accumulating into leaves' .grad.
 */
export function runBackward(roots: readonly Tensor[], grads: readonly Tensor[], opts: BackwardOptions & { targets?: readonly Tensor[] }): Map<Tensor, Tensor | null> | null {
  const run: Run = {
    retainGraph: opts.retainGraph ?? opts.createGraph ?? false,
    createGraph: opts.createGraph ?? false,
    targets: opts.targets ? new Map(opts.targets.map((t) => [t, null])) : null,
    memory: null,
  }
  if (run.retainGraph || run.targets) noteGraphKept() // the graph, or results reading forward activations, may outlive a step scope
  if (!run.createGraph && !run.targets && !anomaly.enabled && !traceBackward.sink && poolEnabled()) run.memory = new GradMemory()
  const mem = run.memory
  // 1. Count, for each node, how many edges of this graph lead into it.
  const deps = new Map<Node, number>()
  const stack: Node[] = []
  for (const r of roots) if (r.gradFn && !deps.has(r.gradFn)) { deps.set(r.gradFn, 0); stack.push(r.gradFn) }
  while (stack.length > 0) {
    const node = stack.pop()!
    for (const inp of node.inputs) {
      const next = inp?.gradFn
      if (!next) continue
      const d = deps.get(next)
      if (d === undefined) { deps.set(next, 1); stack.push(next) }
      else deps.set(next, d + 1)
    }
  }
  // 2. Seed the roots.
  const pending = new Map<Node, Tensor>()
  const body = () => {
    roots.forEach((r, i) => deliver(run, r, grads[i], pending))
    const ready: Node[] = []
    for (const r of roots) if (r.gradFn && deps.get(r.gradFn) === 0 && !ready.includes(r.gradFn)) ready.push(r.gradFn)
    // 3. Pop a node whose consumers have all reported, run its backward, pass the results on.
    while (ready.length > 0) {
      const node = ready.pop()!
      let grad = pending.get(node)
      pending.delete(node)
      let results: readonly (Tensor | null | undefined)[] = []
      if (grad !== undefined) {
        if (mem && (node.hooks || node.opaque)) mem.escape(grad)
        if (node.hooks) for (const h of node.hooks) { grad = h(grad) ?? grad; mem?.escape(grad) }
        if (node.retained) accumulateInto(node.retained, grad, run.createGraph, null)
        if (run.targets) captureTarget(run, node, grad)
        if (mem) mem.inClosure = !node.opaque && !run.retainGraph
        results = node.apply(grad)
        if (mem) mem.inClosure = false
        if (traceBackward.sink) traceBackward.sink(node, grad, results, run)
        if (anomaly.enabled) checkAnomaly(node, grad, results)
        if (!run.retainGraph) {
          node.release()
          if (mem) noteNodeFreed(node) // a step scope may give the node's activations back now
        }
        if (mem) {
          // each result is handed on holding one reference; then the incoming gradient is let go
          for (const g of results) if (g) { if (node.opaque) mem.escape(g); else mem.hold(g) }
          mem.drop(grad)
        }
      }
      node.inputs.forEach((inp, i) => {
        const g = results[i]
        if (inp === null) { if (g && mem) mem.drop(g); return }
        if (g) deliver(run, inp, g, pending)
        const next = inp.gradFn
        if (next) {
          const d = deps.get(next)! - 1
          deps.set(next, d)
          if (d === 0) ready.push(next)
        }
      })
      // results beyond the inputs (none for core's ops) are released too
      if (mem) for (let i = node.inputs.length; i < results.length; i++) { const g = results[i]; if (g) mem.drop(g) }
    }
  }
  mem?.begin()
  try {
    if (run.createGraph) enableGrad(body)
    else noGrad(body)
  } finally {
    mem?.end()
  }
  return run.targets
}

/**
 * Hands gradient g (of some output shape) to tensor t: to its node, or into the leaf.
 * With run.memory, g arrives holding one engine reference, which deliver passes on or drops.
 */
function deliver(run: Run, t: Tensor, g: Tensor, pending: Map<Node, Tensor>): void {
  const mem = run.memory
  if (!t.requiresGrad) { mem?.drop(g); return }
  let grad = sumToShape(g, t.shape)
  if (grad.dtype !== t.dtype) grad = grad.to(t.dtype)
  if (mem && grad !== g) { mem.hold(grad); mem.drop(g) }
  if (t.gradFn) {
    const prev = pending.get(t.gradFn)
    if (prev === undefined) pending.set(t.gradFn, grad)
    else if (mem && mem.exclusive(prev) && prev.dtype === grad.dtype) {
      prev.add_(grad) // sum the second contribution into the first's buffer
      mem.drop(grad)
    } else {
      const sum = prev.add(grad)
      pending.set(t.gradFn, sum)
      if (mem) { mem.hold(sum); mem.drop(prev); mem.drop(grad) }
    }
    return
  }
  if (t.hooks) {
    mem?.escape(grad)
    for (const h of t.hooks) { grad = h(grad) ?? grad; mem?.escape(grad) }
  }
  if (run.targets) {
    if (run.targets.has(t)) {
      const prev = run.targets.get(t)
      run.targets.set(t, prev ? prev.add(grad) : grad)
    }
    return
  }
  accumulateInto(t, grad, run.createGraph, mem)
  mem?.drop(grad)
  if (t.postAccumulateHooks) for (const h of t.postAccumulateHooks) h(t)
}

function captureTarget(run: Run, node: Node, grad: Tensor): void {
  for (const t of run.targets!.keys()) if (t.gradFn === node) run.targets!.set(t, grad)
}

// .grad owns its memory (a contiguous buffer of its own), so an optimizer may update it in place.
// The first gradient is adopted when the engine made it and nothing else sees it; later ones are added in place.
function accumulateInto(t: Tensor, grad: Tensor, createGraph: boolean, mem: GradMemory | null): void {
  if (createGraph) {
    t.grad = t.grad === null ? grad : t.grad.add(grad)
    return
  }
  if (t.grad === null) {
    if (mem && mem.exclusive(grad) && grad.dtype === t.dtype && !grad.requiresGrad && shapesEqual(grad.shape, t.shape)) {
      mem.escape(grad)
      t.grad = grad
    } else t.grad = grad.detach().clone()
  } else if (t.grad.requiresGrad) t.grad = t.grad.detach().add(grad)
  else t.grad.add_(grad)
}

/** Entry point of Tensor.backward(). */
export function backward(t: Tensor, gradient?: Tensor, opts: BackwardOptions = {}): void {
  if (!t.requiresGrad) throw new AutogradError('backward: tensor does not require grad and has no gradFn (did you forget requiresGrad: true, or run inside noGrad?)')
  if (gradient === undefined) {
    if (t.numel() !== 1) throw new AutogradError(`backward: grad can be implicitly created only for scalar outputs, got shape ${fmtShape(t.shape)}; pass a gradient of that shape`)
    gradient = onesLikeNoGrad(t)
  } else if (!(gradient instanceof Tensor)) {
    throw new ValueError(`backward: the first argument is the output's gradient (a Tensor), got ${gradient === null ? 'null' : typeof gradient}; options go second: backward(undefined, {retainGraph: true})`)
  } else if (!shapesEqual(gradient.shape, t.shape)) {
    throw new ShapeError(`backward: gradient of shape ${fmtShape(gradient.shape)} does not match the tensor's shape ${fmtShape(t.shape)}`)
  }
  runBackward([t], [gradient], opts)
}

/** The implicit seed: ones of t's shape and dtype (not t * 0 + 1, which is NaN where t is Inf or NaN). */
export function onesLikeNoGrad(t: Tensor): Tensor {
  const g = Tensor.empty(t.shape, t.dtype)
  g.storage.data.fill(1)
  return g
}
