import { describe, expect, it } from 'vitest'
import { KERNELS, flatArgs, referenceBackend, type KernelName } from '../src/index.js'

// The kernel table is the one declaration of every Backend kernel; flatArgs is
// how native bindings see a row (struct fields one by one, in declared order).
describe('the kernel table', () => {
  it('flattens a struct argument into its fields in declared order, after and before plain arguments', () => {
    const adam = flatArgs(KERNELS.adamStep)
    expect(adam.slice(0, 6).map((a) => a.path)).toEqual(['params', 'grads', 'expAvg', 'expAvgSq', 'maxExpAvgSq', 'consts'])
    expect(adam.slice(0, 6).map((a) => a.kind)).toEqual(['floatList', 'floatList', 'floatList', 'floatList', 'floatList?', 'f64'])
    const hyper = adam.slice(6)
    expect(hyper.length).toBeGreaterThan(0)
    for (const f of hyper) {
      expect(f.path).toBe(`h.${f.name}`)
      expect(f.kind).not.toBe('struct')
    }
  })

  it('keeps a row without structs as it is', () => {
    const gelu = flatArgs(KERNELS.gelu)
    expect(gelu).toEqual([
      { path: 'x', name: 'x', kind: 'floats' },
      { path: 'y', name: 'y', kind: 'floats' },
      { path: 'n', name: 'n', kind: 'int' },
      { path: 'approximate', name: 'approximate', kind: 'bool' },
    ])
  })

  it('has unique flat argument names per kernel and a reference kernel for every row', () => {
    const reference = referenceBackend() as unknown as Record<string, unknown>
    for (const name of Object.keys(KERNELS) as KernelName[]) {
      const paths = flatArgs(KERNELS[name]).map((a) => a.path)
      expect(new Set(paths).size, name).toBe(paths.length)
      expect(typeof reference[name], name).toBe('function')
    }
  })
})
