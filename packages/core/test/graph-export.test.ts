// toDot / toMermaid / autogradGraph: the exported text is parsed back with small
// regex parsers and compared with the graph that was built.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { type Tensor, autogradGraph, ones, tensor, toDot, toMermaid } from '../src/index.js'
import { formatValues } from '../src/autograd/graph-export.js'

interface Parsed { nodes: Map<string, { lines: string[], attrs: string }>, edges: [string, string][] }

/** A tiny DOT reader for what toDot writes: `id [label="...", attrs]` and `a -> b`. */
function parseDot(dot: string): Parsed {
  const lines = dot.split('\n')
  expect(lines[0]).toBe('digraph autograd {')
  expect(lines[lines.length - 1]).toBe('}')
  const nodes = new Map<string, { lines: string[], attrs: string }>()
  const edges: [string, string][] = []
  for (const line of lines.slice(1, -1)) {
    let m = /^ {2}(n\d+) \[label="((?:[^"\\]|\\.)*)"(.*)\]$/.exec(line)
    if (m) { nodes.set(m[1], { lines: m[2].split('\\n').map((s) => s.replace(/\\(.)/g, '$1')), attrs: m[3] }); continue }
    m = /^ {2}(n\d+) -> (n\d+)$/.exec(line)
    if (m) { edges.push([m[1], m[2]]); continue }
    if (/^ {2}node \[/.test(line)) continue
    throw new Error(`unparsed DOT line: ${line}`)
  }
  return { nodes, edges }
}

/** The same for Mermaid: `id["..."]` (leaf), `id("...")` (op), `id(["..."])` (root op), `a --> b`. */
function parseMermaid(text: string): Parsed & { shapes: Map<string, string> } {
  const lines = text.split('\n')
  expect(lines[0]).toBe('flowchart TD')
  const nodes = new Map<string, { lines: string[], attrs: string }>()
  const shapes = new Map<string, string>()
  const edges: [string, string][] = []
  for (const line of lines.slice(1)) {
    let m = /^ {2}(n\d+)(\["|\("|\(\[")([^"]*)("\]|"\)|"\]\))$/.exec(line)
    if (m) {
      nodes.set(m[1], { lines: m[3].split('<br/>').map((s) => s.replace(/#quot;/g, '"').replace(/#lt;/g, '<').replace(/#gt;/g, '>')), attrs: '' })
      shapes.set(m[1], m[2] === '["' ? 'leaf' : m[2] === '("' ? 'op' : 'root')
      continue
    }
    m = /^ {2}(n\d+) --> (n\d+)$/.exec(line)
    if (m) { edges.push([m[1], m[2]]); continue }
    throw new Error(`unparsed Mermaid line: ${line}`)
  }
  return { nodes, edges, shapes }
}

/** Edges as "from-label -> to-label" (first label line), sorted: comparable across exports. */
const edgeSet = (p: Parsed) => p.edges.map(([a, b]) => `${p.nodes.get(a)!.lines[0]} -> ${p.nodes.get(b)!.lines[0]}`).sort()

function example(): { L: Tensor, a: Tensor, w: Tensor, h: Tensor } {
  const a = tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true }); a.name = 'a'
  const w = tensor([0.5, -1], { dtype: 'float64', requiresGrad: true }); w.name = 'w'
  const h = a.mul(w); h.name = 'h'
  const L = h.tanh().mul(h).sum().mul(2); L.name = 'L' // h used twice; 2 is a constant
  return { L, a, w, h }
}

describe('toDot', () => {
  it('has one node per op and leaf, and edges in the direction data flows', () => {
    const { L } = example()
    const p = parseDot(toDot(L))
    expect(p.nodes.size).toBe(7) // a, w, mul(h), tanh, mul, sum, mul(L)
    expect(edgeSet(p)).toEqual([
      'a -> h = mul', 'h = mul -> mul', 'h = mul -> tanh', 'mul -> sum', 'sum -> L = mul', 'tanh -> mul', 'w -> h = mul',
    ])
  })

  it('labels ops with their output shape and dtype, leaves with their name; the root has a double border', () => {
    const { L } = example()
    const p = parseDot(toDot(L))
    const byHead = new Map([...p.nodes.values()].map((n) => [n.lines[0], n]))
    expect(byHead.get('h = mul')!.lines[1]).toBe('[2,2] float64')
    expect(byHead.get('sum')!.lines[1]).toBe('[] float64')
    expect(byHead.get('w')!.lines[1]).toBe('[2] float64')
    expect(byHead.get('w')!.attrs).toMatch(/shape=box/)
    expect(byHead.get('tanh')!.attrs).toMatch(/shape=ellipse/)
    expect(byHead.get('L = mul')!.attrs).toMatch(/peripheries=2/)
    expect(byHead.get('tanh')!.attrs).not.toMatch(/peripheries/)
  })

  it('showGrads prints the gradients after backward (leaves and retained non-leaves); showValues the leaves\' values', () => {
    const { L, h, w: wLeaf } = example()
    h.retainGrad()
    expect(parseDot(toDot(L, { showGrads: true })).nodes.get('n0')!.lines).toHaveLength(2) // no grads yet
    L.backward()
    const p = parseDot(toDot(L, { showGrads: true, showValues: true }))
    const byHead = new Map([...p.nodes.values()].map((n) => [n.lines[0], n]))
    const w = byHead.get('w')!.lines
    expect(w[2]).toBe('value [0.5, -1]')
    expect(w[3]).toBe(`grad ${formatValues(wLeaf.grad!)}`)
    expect(w[3]).toMatch(/^grad \[-?\d/)
    expect(byHead.get('h = mul')!.lines[2]).toMatch(/^grad \[/)
    expect(byHead.get('tanh')!.lines).toHaveLength(2) // not retained: no grad to show
  })

  it('prints only the shape of big gradients', () => {
    const x = ones([4, 4], { dtype: 'float64', requiresGrad: true }); x.name = 'x'
    const y = x.exp().sum()
    y.backward()
    const p = parseDot(toDot(y, { showGrads: true }))
    expect([...p.nodes.values()].find((n) => n.lines[0] === 'x')!.lines[2]).toBe('grad [4,4]')
  })

  it('escapes quotes and backslashes in names', () => {
    const x = tensor([1], { requiresGrad: true }); x.name = 'my "x"\\1'
    const p = parseDot(toDot(x.exp()))
    expect([...p.nodes.values()].map((n) => n.lines[0])).toContain('my "x"\\1')
  })

  it('a leaf alone is a graph of one node; several roots share their subgraph', () => {
    const x = tensor([1], { requiresGrad: true }); x.name = 'x'
    const p = parseDot(toDot(x))
    expect(p.nodes.size).toBe(1)
    expect(p.edges).toEqual([])
    const e = x.exp()
    const q = parseDot(toDot([e.sin(), e.cos()]))
    expect(edgeSet(q)).toEqual(['exp -> cos', 'exp -> sin', 'x -> exp'])
  })

  it('is still available after backward freed the graph, and handles long chains', () => {
    const x = tensor(1, { dtype: 'float64', requiresGrad: true })
    let y = x
    for (let i = 0; i < 2000; i++) y = y.mul(1.0001)
    y.backward()
    const g = autogradGraph(y)
    expect(g.nodes.length).toBe(2001)
    expect(g.edges.length).toBe(2000)
    expect(parseDot(toDot(y)).edges.length).toBe(2000)
  })
})

const hasGraphviz = spawnSync('dot', ['-V']).status === 0

describe('toDot with Graphviz', () => {
  it('renders with dot -Tsvg (Graphviz; CI installs it)', (ctx) => {
    if (!hasGraphviz) ctx.skip('Graphviz `dot` is not installed')
    const { L, h } = example()
    h.retainGrad()
    L.backward()
    const r = spawnSync('dot', ['-Tsvg'], { input: toDot(L, { showGrads: true, showValues: true }), encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/<svg/)
    expect(r.stdout).toMatch(/h = mul/)
  })
})

describe('toMermaid', () => {
  it('describes the same graph as toDot', () => {
    const { L } = example()
    const m = parseMermaid(toMermaid(L))
    const d = parseDot(toDot(L))
    expect(edgeSet(m)).toEqual(edgeSet(d))
    expect([...m.nodes.values()].map((n) => n.lines)).toEqual([...d.nodes.values()].map((n) => n.lines))
    const heads = new Map([...m.nodes.entries()].map(([id, n]) => [n.lines[0], m.shapes.get(id)]))
    expect(heads.get('a')).toBe('leaf')
    expect(heads.get('tanh')).toBe('op')
    expect(heads.get('L = mul')).toBe('root')
  })

  it('escapes characters Mermaid would read as syntax', () => {
    const x = tensor([1], { requiresGrad: true }); x.name = 'a "b" <c>'
    const m = parseMermaid(toMermaid(x.exp(), { showValues: true }))
    expect([...m.nodes.values()].map((n) => n.lines[0])).toContain('a "b" <c>')
  })
})

describe('autogradGraph', () => {
  it('gives the nodes, with their tensors, and the input index of every edge', () => {
    const a = tensor([1, 2], { requiresGrad: true }), b = tensor([3, 4], { requiresGrad: true })
    const y = a.sub(b)
    const g = autogradGraph(y)
    expect(g.nodes.map((n) => [n.kind, n.label, n.root])).toEqual([['op', 'sub', true], ['leaf', 'leaf', false], ['leaf', 'leaf', false]])
    expect(g.nodes[0].tensor).toBe(y)
    expect(g.nodes[1].tensor).toBe(a)
    expect(g.edges).toEqual([{ from: 'n1', to: 'n0', input: 0 }, { from: 'n2', to: 'n0', input: 1 }])
  })
})

describe('graph export details', () => {
  it('prints values as PyTorch-ish short numbers: integers as such, 4 significant digits, nan and inf', () => {
    expect(formatValues(tensor([Number.NaN, Infinity, -Infinity, 3, 0.123456, -2.5e-7], { dtype: 'float64' }))).toBe('[nan, inf, -inf, 3, 0.1235, -2.500e-7]')
    expect(formatValues(tensor(7))).toBe('7')
    expect(formatValues(tensor([1, 2, 3]), 2)).toBeUndefined()
  })

  it('maxElements bounds the printed values; showValues prints nothing for a bigger leaf', () => {
    const small = tensor([1, 2, 3], { requiresGrad: true }), big = ones([7], { requiresGrad: true })
    small.name = 'small'; big.name = 'big'
    const y = small.sum().add(big.sum())
    expect(toDot(y, { showValues: true })).toContain('value [1, 2, 3]')
    expect(toDot(y, { showValues: true, maxElements: 2 })).not.toContain('value [1, 2, 3]')
    expect(toDot(y, { showValues: true })).not.toMatch(/value undefined|value \[1, 1, 1, 1, 1, 1, 1\]/)
  })

  it('leaves that need no gradient (only ever roots: the graph skips such inputs) are grey, the others blue', () => {
    const w = tensor([1, 2], { requiresGrad: true }), c = tensor([3, 4])
    w.name = 'w'; c.name = 'c'
    const dot = toDot([w.mul(c), c])
    expect(dot).toMatch(/label="w\\n\[2\] float32", shape=box, style=filled, fillcolor="#cfe3ff"/)
    expect(dot).toMatch(/label="c\\n\[2\] float32", shape=box, style=filled, fillcolor="#eeeeee", peripheries=2/)
  })

  it('a tensor given as a root is marked root even when it is also an input of another root', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const h = x.mul(2), y = h.sum()
    const g = autogradGraph([y, h, x])
    expect(g.nodes.filter((n) => n.root).map((n) => n.label).sort()).toEqual(['leaf', 'mul', 'sum'])
    const g2 = autogradGraph([y, x])
    expect(g2.nodes.find((n) => n.kind === 'leaf')!.root).toBe(true)
    expect(g2.nodes.find((n) => n.label === 'mul')!.root).toBe(false)
  })
})
