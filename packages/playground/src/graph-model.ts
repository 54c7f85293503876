// What the page draws and steps through, built from a run: the autograd graph
// of the returned tensors (core's autogradGraph) with each node's label, value
// and backward rule taken from the trace, and the trace's backward steps with,
// for each, where its gradients go (after the engine's broadcast sum).
// No DOM here, so Node tests can check it.
import { type Node, type Tensor, type TraceStep, autogradGraph, backwardRule, noGrad, sumToShape } from '@adjoint/core'
import type { RunResult } from './run.js'

export interface ViewNode {
  id: string
  kind: 'op' | 'leaf'
  /** The op ("matmul") or, for a leaf, its label. */
  op: string
  /** The tensor's label: its .name, else t1, t2, ... as in the trace. */
  label: string
  shape: readonly number[]
  dtype: string
  /** The forward value (op output or leaf). */
  value?: Tensor
  /** Op nodes: the backward rule per input, with the labels filled in. */
  rules: string[]
  /** Op nodes: labels of the inputs the rule refers to. */
  inputLabels: string[]
  root: boolean
  node?: Node
}

export interface ViewEdge {
  from: string
  to: string
  /** Which input of `to` this edge feeds. */
  input: number
}

export interface Delivery {
  /** Graph id of the input receiving the gradient (null when it is not drawn). */
  to: string | null
  toLabel: string
  input: number
  rule: string
  /** What the node sends (the rule's result, maybe of the broadcast shape). */
  sent: Tensor
  /** What the input receives: `sent` summed back to the input's shape. */
  received: Tensor
  /** True when `sent` had to be summed over broadcast dims. */
  broadcast: boolean
  /** True when the input already had a gradient in this pass: the engine adds to it. */
  accumulates: boolean
}

export interface BackwardStep {
  index: number
  /** Which backward pass (0-based) and how many the run made. */
  pass: number
  passes: number
  op: string
  /** Graph id of the node whose backward runs (null when it is not drawn). */
  nodeId: string | null
  label: string
  /** The gradient arriving at the node. */
  grad: Tensor
  deliveries: Delivery[]
  text: string
}

export interface GraphModel {
  nodes: ViewNode[]
  edges: ViewEdge[]
  steps: BackwardStep[]
}

export function buildModel(run: RunResult): GraphModel {
  if (run.roots.length === 0 || !run.trace) return { nodes: [], edges: [], steps: [] }
  const forward = new Map<Node, TraceStep>()
  const labelOf = new Map<Tensor, string>()
  for (const s of run.trace.steps) {
    if (s.phase !== 'forward') continue
    forward.set(s.node, s)
    s.node.inputs.forEach((t, i) => { if (t && s.inputs[i] !== undefined && !labelOf.has(t)) labelOf.set(t, s.inputs[i]) })
  }
  const g = autogradGraph(run.roots)
  const idOfNode = new Map<Node, string>()
  const idOfLeaf = new Map<Tensor, string>()
  const nodes: ViewNode[] = g.nodes.map((n) => {
    if (n.kind === 'leaf') {
      if (n.tensor) idOfLeaf.set(n.tensor, n.id)
      const label = n.tensor?.name ?? (n.tensor && labelOf.get(n.tensor)) ?? 'leaf'
      return { id: n.id, kind: 'leaf', op: 'leaf', label, shape: n.shape, dtype: n.dtype, value: n.tensor, rules: [], inputLabels: [], root: n.root }
    }
    const node = n.tensor!.gradFn!
    idOfNode.set(node, n.id)
    const f = forward.get(node)
    const inputLabels = f?.inputs ?? node.inputs.map((t, i) => (t ? labelOf.get(t) ?? `input${i}` : `input${i}`))
    const rules = withCustomRule(n.label, f?.rules ?? (backwardRule(n.label) ?? []).map(String), run)
    return { id: n.id, kind: 'op', op: n.label, label: n.outputName ?? f?.output ?? n.label, shape: n.shape, dtype: n.dtype, value: f?.value ?? n.tensor, rules, inputLabels, root: n.root, node }
  })
  const idOf = (t: Tensor): string | null => (t.gradFn ? idOfNode.get(t.gradFn) : idOfLeaf.get(t)) ?? null
  const backward = run.trace.steps.filter((s) => s.phase === 'backward')
  const passes = backward.reduce((m, s) => Math.max(m, (s.pass ?? 0) + 1), 0)
  const steps = backward.map((s, index): BackwardStep => {
    const deliveries: Delivery[] = []
    s.node.inputs.forEach((inp, i) => {
      const sent = s.inputGrads?.[i]
      if (!inp || !sent) return
      const received = noGrad(() => sumToShape(sent, inp.shape))
      deliveries.push({
        to: idOf(inp), toLabel: labelOf.get(inp) ?? inp.name ?? `input${i}`, input: i, rule: withCustomRule(s.op, s.rules, run)[i] ?? '',
        sent, received, broadcast: received !== sent, accumulates: s.accumulates?.[i] ?? false,
      })
    })
    return { index, pass: s.pass ?? 0, passes, op: s.op, nodeId: idOfNode.get(s.node) ?? null, label: s.output, grad: s.grad!, deliveries, text: s.text }
  })
  return { nodes, edges: g.edges, steps }
}

/** An op without a written rule (a defineFunction op) shows the backward the code gave it. */
function withCustomRule(op: string, rules: string[], run: RunResult): string[] {
  const src = backwardRule(op) ? undefined : run.customBackwards.get(op)
  return src ? rules.map((r) => (r ? `(custom) ${src}` : r)) : rules
}

/**
 * The gradient each drawn node holds after the first `count` backward steps,
 * within the pass of the last of them (a new pass starts from nothing): a
 * node whose backward ran holds the gradient that reached it; any other node
 * the sum of what was delivered to it so far. At the end of a pass, a leaf
 * holds the sum of all its contributions, which is what lands in its .grad.
 */
export function gradsAfter(steps: readonly BackwardStep[], count: number): Map<string, Tensor> {
  const held = new Map<string, Tensor>()
  if (count <= 0) return held
  const pass = steps[count - 1].pass
  for (const s of steps.slice(0, count)) {
    if (s.pass !== pass) continue
    if (s.nodeId) held.set(s.nodeId, s.grad)
    for (const d of s.deliveries) {
      if (!d.to) continue
      const prev = held.get(d.to)
      held.set(d.to, prev ? noGrad(() => prev.add(d.received)) : d.received)
    }
  }
  return held
}
