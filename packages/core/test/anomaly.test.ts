// Anomaly mode: detectAnomaly(fn) / setDetectAnomaly(on) record where each node
// was created; a backward step that produces NaN/Inf throws an AnomalyError that
// names the op, its creation site (this file) and the input whose gradient went bad.
import { afterEach, describe, expect, it } from 'vitest'
import { AnomalyError, AutogradError, autograd, detectAnomaly, isAnomalyEnabled, setDetectAnomaly, tensor } from '../src/index.js'
import { creationSite } from '../src/autograd/anomaly.js'

const leaf = (data: number[] | number, name?: string) => {
  const t = tensor(data, { dtype: 'float64', requiresGrad: true })
  if (name) t.name = name
  return t
}

afterEach(() => setDetectAnomaly(false))

describe('detectAnomaly', () => {
  it('catches the NaN that log(0)\'s backward produces and names log, its creation site and the input', () => {
    const x = leaf(0, 'x')
    let err: unknown
    try {
      detectAnomaly(() => {
        const y = x.log().mul(0) // forward: -inf * 0 = NaN; backward of log: 0 / 0 = NaN
        y.backward()
      })
    } catch (e) { err = e }
    expect(err).toBeInstanceOf(AnomalyError)
    expect(err).toBeInstanceOf(AutogradError)
    const e = err as AnomalyError
    expect(e.op).toBe('log')
    expect(e.kind).toBe('NaN')
    expect(e.inputIndex).toBe(0)
    expect(e.site).toMatch(/anomaly\.test\.ts:\d+:\d+/)
    expect(e.message).toMatch(/backward of "log" returned NaN in the gradient of its input 0 \("x", a leaf, shape \[\], float64\)/)
    expect(e.message).toMatch(/"log" was created at .*anomaly\.test\.ts:\d+/)
    expect(e.message).toMatch(/flowing into "log" was finite/)
    expect(x.grad).toBeNull() // backward stopped before reaching the leaf
  })

  it('reports Inf, and names an input that is the output of another op', () => {
    const x = leaf([1, 0], 'x')
    let err: AnomalyError | undefined
    try {
      detectAnomaly(() => x.mul(2).sqrt().sum().backward()) // d sqrt(u) = 1 / (2 sqrt u): Inf at 0
    } catch (e) { err = e as AnomalyError }
    expect(err?.op).toBe('sqrt')
    expect(err?.kind).toBe('Inf')
    expect(err?.message).toMatch(/input 0 \(the output of "mul", shape \[2\], float64\), gradient shape \[2\], element 1/)
  })

  it('without anomaly mode the same backward quietly gives NaN', () => {
    const x = leaf(0)
    x.log().mul(0).backward()
    expect(Number.isNaN(x.grad!.item())).toBe(true)
  })

  it('only gradients that reach an input that requires grad are checked', () => {
    const x = leaf([1, 2])
    const c = tensor([0, 1], { dtype: 'float64' })
    // d/dc (x / c) would be -x / c^2 = -Inf, but c needs no gradient: nothing to report
    detectAnomaly(() => x.div(c.add(1)).sum().backward())
    expect(x.grad!.toList()).toEqual([1, 0.5])
  })

  it('a NaN that comes in from a hook is reported as upstream of the op', () => {
    const x = leaf([1, 2])
    let err: AnomalyError | undefined
    try {
      detectAnomaly(() => {
        const h = x.mul(3)
        h.registerHook((g) => g.mul(NaN))
        h.sum().backward()
      })
    } catch (e) { err = e as AnomalyError }
    expect(err?.op).toBe('mul')
    expect(err?.message).toMatch(/already contained NaN.*upstream/)
  })

  it('checks backward passes of autograd.grad and createGraph too', () => {
    const x = leaf(0)
    expect(() => detectAnomaly(() => autograd.grad(x.log().mul(0), x))).toThrow(/backward of "log"/)
    const y = leaf(0)
    expect(() => detectAnomaly(() => y.sqrt().backward(undefined, { createGraph: true }))).toThrow(/backward of "sqrt" returned Inf/)
  })

  it('restores the previous setting, also after an error and around async functions', async () => {
    expect(isAnomalyEnabled()).toBe(false)
    expect(() => detectAnomaly(() => { throw new Error('boom') })).toThrow('boom')
    expect(isAnomalyEnabled()).toBe(false)
    const p = detectAnomaly(async () => { await Promise.resolve(); return isAnomalyEnabled() })
    expect(isAnomalyEnabled()).toBe(true)
    expect(await p).toBe(true)
    expect(isAnomalyEnabled()).toBe(false)
    setDetectAnomaly(true)
    detectAnomaly(() => 1)
    expect(isAnomalyEnabled()).toBe(true)
  })

  it('setDetectAnomaly(true) is the global switch; nodes created before it have no site', () => {
    const x = leaf(0)
    const before = x.log() // created outside anomaly mode
    setDetectAnomaly(true)
    const y = before.mul(0)
    expect(y.gradFn!.stack).toMatch(/anomaly\.test\.ts/) // the site that created y
    expect(before.gradFn!.stack).toBeUndefined()
    let err: AnomalyError | undefined
    try { y.backward() } catch (e) { err = e as AnomalyError }
    expect(err?.op).toBe('log')
    expect(err?.site).toBeUndefined()
    expect(err?.message).toMatch(/created before anomaly mode was enabled/)
  })

  it('creationSite picks the first frame outside adjoint', () => {
    const stack = [
      '    at unaryOp (/repo/packages/core/src/ops/elementwise.ts:68:5)',
      '    at Tensor.log (/repo/packages/core/src/methods.ts:113:68)',
      '    at model (/home/me/train.ts:12:7)',
    ].join('\n')
    expect(creationSite(stack)).toBe('at model (/home/me/train.ts:12:7)')
    expect(creationSite(undefined)).toBeUndefined()
  })
})

describe('anomaly mode details', () => {
  it('deepens Error.stackTraceLimit to 64 while on (never shallower) and restores it after', () => {
    const E = Error as { stackTraceLimit?: number }
    const before = E.stackTraceLimit
    try {
      E.stackTraceLimit = 10
      setDetectAnomaly(true)
      expect(E.stackTraceLimit).toBe(64)
      setDetectAnomaly(true) // already on: nothing changes, and the saved limit stays 10
      setDetectAnomaly(false)
      expect(E.stackTraceLimit).toBe(10)
      setDetectAnomaly(false)
      expect(E.stackTraceLimit).toBe(10)
      E.stackTraceLimit = 100
      detectAnomaly(() => expect(E.stackTraceLimit).toBe(100))
      expect(E.stackTraceLimit).toBe(100)
    } finally {
      E.stackTraceLimit = before
    }
  })

  it('the message has three lines: what went bad, whose fault, where the op was created (then its stack)', () => {
    const x = leaf(0, 'x')
    let err: AnomalyError | undefined
    try { detectAnomaly(() => x.log().mul(0).backward()) } catch (e) { err = e as AnomalyError }
    const lines = err!.message.split('\n')
    expect(lines[0]).toMatch(/^anomaly: backward of "log" returned NaN/)
    expect(lines[1]).toMatch(/^The gradient flowing into "log" was finite/)
    expect(lines[2]).toMatch(/^"log" was created at (?!at )\S.*anomaly\.test\.ts:\d+:\d+\)?; full creation stack:$/)
    expect(lines.length).toBeGreaterThan(4) // the stack itself follows
    expect(err!.site).toMatch(/^at /)
    expect(lines[2]).toBe(`"log" was created at ${err!.site!.slice(3)}; full creation stack:`)
    // a node created outside anomaly mode: no site, no stack
    const y = leaf(0)
    const before = y.log()
    let err2: AnomalyError | undefined
    try { detectAnomaly(() => before.mul(0).backward()) } catch (e) { err2 = e as AnomalyError }
    expect(err2!.message.split('\n').at(-1)).toBe('"log" has no creation site (it was created before anomaly mode was enabled)')
  })

  it('creationSite reads only the frame lines of a stack', () => {
    const stack = ['Error: created', '    at unaryOp (/repo/packages/core/src/ops/elementwise.ts:68:5)', '    at step (/home/me/train.ts:3:1)'].join('\n')
    expect(creationSite(stack)).toBe('at step (/home/me/train.ts:3:1)')
    expect(creationSite('Error\n    at f (node:internal/x:1:1)')).toBe('at f (node:internal/x:1:1)') // all internal: the first frame
  })
})
