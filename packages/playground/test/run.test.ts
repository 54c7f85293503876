// runCode: the editor's code with adjoint's API in scope, traced; errors typed and located.
import { describe, expect, it } from 'vitest'
import { runCode, scopeNames } from '../src/run.js'

describe('runCode', () => {
  it('has core exports in scope (not reserved words such as core\'s `var`), returns the roots and the trace', () => {
    expect(scopeNames).toEqual(expect.arrayContaining(['tensor', 'randn', 'softmax', 'defineFunction', 'autograd', 'gradcheck']))
    expect(scopeNames).not.toContain('var')
    const r = runCode('const x = tensor([1, 2], { requiresGrad: true })\nconst y = x.mul(x).sum()\ny.backward()\nreturn y')
    expect(r.error).toBeNull()
    expect(r.roots.map((t) => t.item())).toEqual([5])
    expect(r.trace!.steps.map((s) => `${s.phase} ${s.op}`)).toEqual(['forward mul', 'forward sum', 'backward sum', 'backward mul'])
  })

  it('reports adjoint\'s typed error with its line, and syntax errors', () => {
    expect(runCode('const a = tensor([1, 2, 3])\nconst b = tensor([1, 2])\nreturn a.add(b)').error)
      .toEqual({ name: 'ShapeError', message: 'add: shapes [3] and [2] cannot be broadcast (dim 0: 3 vs 2)', line: 3, typed: true })
    const twice = runCode('const y = tensor([1], { requiresGrad: true }).exp().sum()\ny.backward()\ny.backward()').error!
    expect([twice.name, twice.line, twice.typed]).toEqual(['AutogradError', 3, true])
    expect(runCode('const a = (').error).toMatchObject({ name: 'SyntaxError', typed: false })
  })

  it('uses a fixed seed, so two runs (page and Node) see the same random numbers', () => {
    const a = runCode('return randn([3])').roots[0].toArray(), b = runCode('return randn([3])').roots[0].toArray()
    expect(a).toEqual(b)
  })

  it('check(fn, inputs) registers what the gradcheck button checks', () => {
    const r = runCode('const x = tensor([1], { dtype: "float64", requiresGrad: true })\ncheck((x) => x.exp(), [x])\nreturn x.exp()')
    expect(r.checks).toHaveLength(1)
    expect(r.checks[0].inputs[0].shape).toEqual([1])
  })
})
