// buildModel / gradsAfter: the graph and the backward steps the page draws, checked in Node.
import { describe, expect, it } from 'vitest'
import { assertClose } from '@adjoint/core/testing'
import { examples } from '../src/examples.js'
import { buildModel, gradsAfter } from '../src/graph-model.js'
import { runCode } from '../src/run.js'

const model = (id: string) => {
  const run = runCode(examples.find((e) => e.id === id)!.code)
  expect(run.error).toBeNull()
  return buildModel(run)
}

describe('graph model', () => {
  it.each(examples.map((e) => e.id))('%s: after the last step every leaf holds exactly its .grad', (id) => {
    const m = model(id)
    const held = gradsAfter(m.steps, m.steps.length)
    const leaves = m.nodes.filter((n) => n.kind === 'leaf' && n.value?.grad)
    expect(leaves.length).toBeGreaterThan(0)
    for (const n of leaves) assertClose(held.get(n.id)!, n.value!.grad!, { rtol: 1e-6, atol: 1e-6, what: `${id} ${n.label}` })
  })

  it('labels nodes as the trace does and gives each op its rule', () => {
    const m = model('chain-rule')
    expect(m.nodes.map((n) => n.label)).toEqual(['y', 't1', 'u', 'x'])
    const u = m.nodes.find((n) => n.label === 'u')!
    expect([u.op, u.rules, u.inputLabels]).toEqual(['square', ['2 * grad_u * x'], ['x']])
    expect(m.steps.map((s) => s.op)).toEqual(['mul', 'sin', 'square'])
    expect(m.steps[0].grad.item()).toBe(1)
  })

  it('shows the bias gradient as a broadcast sum', () => {
    const m = model('broadcast')
    const add = m.steps.find((s) => s.op === 'add')!
    const toB = add.deliveries.find((d) => d.toLabel === 'b')!
    expect([toB.broadcast, toB.sent.shape, toB.received.shape]).toEqual([true, [4, 3], [3]])
    expect(toB.received.toArray()).toEqual(toB.sent.sum(0).toArray())
    expect(add.deliveries.find((d) => d.toLabel === 'X')!.broadcast).toBe(false)
  })

  it('shows the accumulation into an input used three times', () => {
    const m = model('attention')
    const toX = m.steps.flatMap((s) => s.deliveries).filter((d) => d.toLabel === 'x')
    expect(toX.map((d) => d.accumulates)).toEqual([false, true, true])
  })

  it('numbers the passes and restarts the held gradients at each pass', () => {
    const m = model('second-derivative')
    expect(m.steps.map((s) => [s.pass, s.passes])).toEqual([[0, 2], [1, 2], [1, 2], [1, 2]])
    const x = m.nodes.find((n) => n.label === 'x')!
    expect(gradsAfter(m.steps, 1).get(x.id)!.item()).toBe(12) // pass 1: dy/dx = 3x²
    expect(gradsAfter(m.steps, 2).has(x.id)).toBe(false) // pass 2 starts from nothing
    expect(gradsAfter(m.steps, 4).get(x.id)!.item()).toBe(12) // d²y/dx² = 6x
  })

  it('shows a custom op\'s own backward as its rule', () => {
    const m = model('custom-op')
    const cube = m.nodes.find((n) => n.op === 'cube')!
    expect(cube.rules).toEqual(['(custom) backward(ctx, g) { const [x] = ctx.savedTensors; return g.mul(x.square()) }'])
    expect(m.steps.find((s) => s.op === 'cube')!.deliveries[0].rule).toBe(cube.rules[0])
  })

  it('has no graph without returned tensors', () => {
    expect(buildModel(runCode('tensor([1])'))).toEqual({ nodes: [], edges: [], steps: [] })
  })
})
