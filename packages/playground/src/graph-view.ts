// Draws the graph as SVG: one box per tensor (op, label, shape, value, and its
// gradient so far), edges in the direction data flows. During a backward step
// the node being processed, the inputs it sends gradients to, and the edges
// they travel are highlighted, each edge labelled with what it carries.
import type { Tensor } from '@adjoint/core'
import { brief, flat, fmtShape, full } from './format.js'
import type { BackwardStep, GraphModel, ViewNode } from './graph-model.js'
import { NODE_HEIGHT, NODE_WIDTH, placeGraph } from './layout.js'

const SVG = 'http://www.w3.org/2000/svg'
/** Larger graphs (a loop of many ops) are not laid out: dagre and the page would crawl. */
const MAX_NODES = 400

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v))
  parent?.appendChild(e)
  return e
}

export interface GraphState {
  step: BackwardStep | null
  /** Gradient each node holds at this point of the pass. */
  held: Map<string, Tensor>
}

export class GraphView {
  private model: GraphModel | null = null

  constructor(private readonly svg: SVGSVGElement, private readonly tooltip: HTMLElement) {}

  show(model: GraphModel, state: GraphState): void {
    this.model = model
    const svg = this.svg
    svg.replaceChildren()
    if (model.nodes.length === 0 || model.nodes.length > MAX_NODES) {
      svg.setAttribute('width', model.nodes.length ? '640' : '0')
      svg.setAttribute('height', model.nodes.length ? '30' : '0')
      if (model.nodes.length) el('text', { x: 8, y: 20, class: 'too-big' }, svg).textContent = `${model.nodes.length} nodes: too many to draw (at most ${MAX_NODES}); the stepper still works`
      return
    }
    const placed = placeGraph(model.nodes, model.edges)
    svg.setAttribute('width', String(placed.width))
    svg.setAttribute('height', String(placed.height))
    svg.setAttribute('viewBox', `0 0 ${placed.width} ${placed.height}`)
    const defs = el('defs', {}, svg)
    for (const [id, color] of [['arrow', '#8a94a6'], ['arrow-active', '#d9480f']]) {
      const m = el('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs)
      el('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }, m)
    }
    const step = state.step
    const targets = new Map(step?.deliveries.filter((d) => d.to).map((d) => [`${d.to}:${d.input}`, d]) ?? [])
    const edgeLayer = el('g', { class: 'edges' }, svg)
    const labelLayer = el('g', { class: 'edge-labels' }, svg)
    model.edges.forEach((e, i) => {
      const pts = placed.edges[i]
      if (pts.length < 2) return
      const active = step !== null && e.to === step.nodeId ? targets.get(`${e.from}:${e.input}`) : undefined
      const d = pts.map((p, k) => `${k ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')
      el('path', { d, class: active ? 'edge active' : 'edge', 'marker-end': `url(#${active ? 'arrow-active' : 'arrow'})`, 'data-from': e.from, 'data-to': e.to }, edgeLayer)
      if (active) {
        const mid = pts[Math.floor(pts.length / 2)]
        const text = `${active.accumulates ? '+= ' : ''}${brief(active.received)}${active.broadcast ? ' (Σ)' : ''}`
        const t = el('text', { x: mid.x + 6, y: mid.y, class: 'edge-label' }, labelLayer)
        t.textContent = text
      }
    })
    const nodeLayer = el('g', { class: 'nodes' }, svg)
    for (const n of model.nodes) {
      const p = placed.nodes.get(n.id)!
      const classes = ['node', n.kind]
      if (n.root) classes.push('root')
      if (step && n.id === step.nodeId) classes.push('current')
      const delivery = step?.deliveries.find((d) => d.to === n.id)
      if (delivery) classes.push('receiving')
      if (delivery?.accumulates) classes.push('accumulating')
      const grad = state.held.get(n.id) ?? null
      const g = el('g', { class: classes.join(' '), transform: `translate(${p.x - NODE_WIDTH / 2},${p.y - NODE_HEIGHT / 2})`, 'data-id': n.id, 'data-label': n.label, 'data-kind': n.kind }, nodeLayer)
      if (grad) g.setAttribute('data-grad', JSON.stringify(flat(grad)))
      el('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: n.kind === 'op' ? 14 : 3 }, g)
      const head = n.kind === 'op' ? (n.label === n.op ? n.op : `${n.label} = ${n.op}`) : n.label
      const lines: [string, string][] = [[head, 'head'], [`${fmtShape(n.shape)} ${n.dtype}`, 'shape'], [n.value ? brief(n.value) : '', 'value'], [grad ? `grad ${brief(grad)}` : '', 'grad']]
      lines.forEach(([text, cls], k) => {
        const t = el('text', { x: NODE_WIDTH / 2, y: 14 + k * 14, class: cls }, g)
        t.textContent = text.length > 28 ? `${text.slice(0, 27)}…` : text
      })
      g.addEventListener('mouseenter', () => this.hover(n, grad, g))
      g.addEventListener('mouseleave', () => { this.tooltip.hidden = true })
    }
  }

  private hover(n: ViewNode, grad: Tensor | null, g: SVGGElement): void {
    const tip = this.tooltip
    tip.replaceChildren()
    const add = (title: string, body: string, cls = '') => {
      const h = document.createElement('div'); h.className = 'tip-title'; h.textContent = title
      const pre = document.createElement('pre'); pre.className = cls; pre.textContent = body
      tip.append(h, pre)
    }
    add(n.kind === 'op' ? `${n.label} = ${n.op}(${n.inputLabels.join(', ')})  ${fmtShape(n.shape)}` : `${n.label} (leaf) ${fmtShape(n.shape)}`, n.value ? full(n.value) : '')
    if (grad) add(`grad_${n.label}`, full(grad), 'grad')
    if (n.kind === 'op') {
      const rules = n.rules.map((r, i) => (r ? `grad_${n.inputLabels[i] ?? `input${i}`} = ${r}` : '')).filter(Boolean)
      add('backward rule', rules.length ? rules.join('\n') : '(no input needs a gradient)', 'rule')
    }
    const box = g.getBoundingClientRect()
    tip.style.left = `${box.right + window.scrollX + 8}px`
    tip.style.top = `${box.top + window.scrollY}px`
    tip.hidden = false
  }
}
