// The autograd graph of a tensor as data, Graphviz DOT, or Mermaid: one box per
// leaf (with its name, if set), one node per op (with its output's shape and
// dtype), edges in the direction data flows (inputs -> op -> output).
// Gradients travel the edges backwards.
import { fmtShape } from '../errors.js'
import { Tensor } from '../tensor.js'
import type { Node } from './node.js'

export interface GraphNode {
  /** "n0", "n1"... in discovery order from the root(s). */
  id: string
  kind: 'op' | 'leaf'
  /** The op's name ("mul") or the leaf's name (or "leaf" when it has none). */
  label: string
  /** For an op: the name of its output tensor, when the output was seen and named. */
  outputName?: string
  shape: readonly number[]
  dtype: string
  /** The tensor, for leaves and for op outputs that were seen (roots, inputs of other ops). */
  tensor?: Tensor
  /** True for the tensors the graph was built from. */
  root: boolean
}

export interface GraphEdge {
  from: string
  to: string
  /** Which input of the op `to` this edge feeds (0-based). */
  input: number
}

export interface AutogradGraph {
  nodes: GraphNode[]
  edges: GraphEdge[]
}

export interface ExportOptions {
  /** Show .grad values (after backward) of leaves and of tensors that called retainGrad(). */
  showGrads?: boolean
  /** Show the values of leaves. */
  showValues?: boolean
  /** At most this many elements are printed per tensor (default 6); larger ones print their shape only. */
  maxElements?: number
}

/** Walks the graph from the root tensor(s) back to the leaves. */
export function autogradGraph(roots: Tensor | readonly Tensor[]): AutogradGraph {
  const list = roots instanceof Tensor ? [roots] : [...roots]
  const nodes: GraphNode[] = []
  const edges: GraphEdge[] = []
  const byNode = new Map<Node, GraphNode>()
  const byLeaf = new Map<Tensor, GraphNode>()
  const queue: Node[] = []
  const visit = (t: Tensor, root: boolean): GraphNode => {
    if (t.gradFn) {
      let g = byNode.get(t.gradFn)
      if (!g) {
        g = { id: `n${nodes.length}`, kind: 'op', label: t.gradFn.op, shape: t.gradFn.shape, dtype: t.gradFn.dtype, root }
        nodes.push(g)
        byNode.set(t.gradFn, g)
        queue.push(t.gradFn)
      }
      if (!g.tensor) g.tensor = t
      if (t.name && !g.outputName) g.outputName = t.name
      if (root) g.root = true
      return g
    }
    let g = byLeaf.get(t)
    if (!g) {
      g = { id: `n${nodes.length}`, kind: 'leaf', label: t.name ?? 'leaf', shape: t.shape, dtype: t.dtype, tensor: t, root }
      nodes.push(g)
      byLeaf.set(t, g)
    }
    if (root) g.root = true
    return g
  }
  for (const r of list) visit(r, true)
  for (let q = 0; q < queue.length; q++) {
    const node = queue[q]
    const to = byNode.get(node)!
    node.inputs.forEach((inp, i) => {
      if (!inp) return
      edges.push({ from: visit(inp, false).id, to: to.id, input: i })
    })
  }
  return { nodes, edges }
}

function fmtNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan'
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf'
  if (Number.isInteger(v)) return String(v)
  const s = v.toPrecision(4)
  return s.includes('e') ? s : String(Number(s))
}

/** A tensor's values for a label: "3" for a scalar, "[1, 2, 3]" for small ones, nothing for big ones. */
export function formatValues(t: Tensor, max = 6): string | undefined {
  if (t.numel() > max) return undefined
  const flat = Array.from(t.contiguousData(), fmtNumber)
  return t.ndim === 0 ? flat[0] : `[${flat.join(', ')}]`
}

function labelLines(n: GraphNode, opts: ExportOptions): string[] {
  const max = opts.maxElements ?? 6
  const lines: string[] = []
  const head = n.kind === 'op' ? (n.outputName ? `${n.outputName} = ${n.label}` : n.label) : n.label
  lines.push(head)
  lines.push(`${fmtShape(n.shape)} ${n.dtype}`)
  if (opts.showValues && n.kind === 'leaf' && n.tensor) {
    const v = formatValues(n.tensor, max)
    if (v !== undefined) lines.push(`value ${v}`)
  }
  if (opts.showGrads && n.tensor?.grad) {
    const v = formatValues(n.tensor.grad, max)
    lines.push(v !== undefined ? `grad ${v}` : `grad ${fmtShape(n.tensor.grad.shape)}`)
  }
  return lines
}

const dotEscape = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')

/**
 * Graphviz DOT of the autograd graph (render with `dot -Tsvg`). Leaves are
 * boxes (blue when they require grad), ops ellipses; the root has a double border.
 */
export function toDot(roots: Tensor | readonly Tensor[], opts: ExportOptions = {}): string {
  const g = autogradGraph(roots)
  const out = ['digraph autograd {', '  node [fontname="Helvetica", fontsize=11]']
  for (const n of g.nodes) {
    const label = labelLines(n, opts).map(dotEscape).join('\\n')
    const attrs = n.kind === 'leaf' ? ['shape=box', 'style=filled', `fillcolor="${n.tensor?.requiresGrad ? '#cfe3ff' : '#eeeeee'}"`] : ['shape=ellipse']
    if (n.root) attrs.push('peripheries=2')
    out.push(`  ${n.id} [label="${label}", ${attrs.join(', ')}]`)
  }
  for (const e of g.edges) out.push(`  ${e.from} -> ${e.to}`)
  out.push('}')
  return out.join('\n')
}

const mermaidEscape = (s: string) => s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')

/** Mermaid flowchart of the autograd graph (renders in GitHub markdown in a ```mermaid block). */
export function toMermaid(roots: Tensor | readonly Tensor[], opts: ExportOptions = {}): string {
  const g = autogradGraph(roots)
  const out = ['flowchart TD']
  for (const n of g.nodes) {
    const label = labelLines(n, opts).map(mermaidEscape).join('<br/>')
    out.push(n.kind === 'leaf' ? `  ${n.id}["${label}"]` : n.root ? `  ${n.id}(["${label}"])` : `  ${n.id}("${label}")`)
  }
  for (const e of g.edges) out.push(`  ${e.from} --> ${e.to}`)
  return out.join('\n')
}
