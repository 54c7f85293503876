// Positions for the graph's boxes and edges, from dagre (layered layout, data flowing down).
import { Graph, layout } from '@dagrejs/dagre'
import type { ViewEdge, ViewNode } from './graph-model.js'

export const NODE_WIDTH = 190
export const NODE_HEIGHT = 62

export interface Placed {
  nodes: Map<string, { x: number, y: number }>
  /** Polyline points per edge, in the order of the edges given. */
  edges: { x: number, y: number }[][]
  width: number
  height: number
}

export function placeGraph(nodes: readonly ViewNode[], edges: readonly ViewEdge[]): Placed {
  const g = new Graph({ multigraph: true })
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 46, marginx: 12, marginy: 12 })
  g.setDefaultEdgeLabel(() => ({}))
  for (const n of nodes) g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT })
  edges.forEach((e, i) => g.setEdge(e.from, e.to, {}, `e${i}`))
  layout(g)
  const placed = new Map<string, { x: number, y: number }>()
  for (const n of nodes) { const p = g.node(n.id); placed.set(n.id, { x: p.x, y: p.y }) }
  const lines = edges.map((e, i) => (g.edge(e.from, e.to, `e${i}`).points ?? []).map((p: { x: number, y: number }) => ({ x: p.x, y: p.y })))
  const { width = 0, height = 0 } = g.graph()
  return { nodes: placed, edges: lines, width, height }
}
