// The autograd graph's nodes: needsGrad, record, the saved-tensor version check and
// its message, release after backward, the creation stack in anomaly mode (tests
// prompted by mutation testing of autograd/node.ts).
import { describe, expect, it } from 'vitest'
import { AutogradError, detectAnomaly, needsGrad, noGrad, record, tensor, Tensor } from '../src/index.js'

describe('needsGrad', () => {
  it('is true only when some tensor input requires grad, and grad mode is on', () => {
    const w = tensor([1], { requiresGrad: true }), c = tensor([1])
    expect(needsGrad(c, 2, true, null, undefined)).toBe(false)
    expect(needsGrad(c, w)).toBe(true)
    expect(needsGrad(w, c)).toBe(true)
    expect(noGrad(() => needsGrad(w))).toBe(false)
  })
})

describe('record', () => {
  it('keeps as inputs only the tensors that require grad (null for the rest)', () => {
    const w = tensor([1, 2], { requiresGrad: true }), c = tensor([3, 4])
    const out = Tensor.empty([2], 'float32')
    record('custom', out, [c, w, 5, null], (g) => [null, g, null, null])
    expect(out.requiresGrad).toBe(true)
    expect(out.gradFn?.op).toBe('custom')
    expect(out.gradFn?.inputs).toEqual([null, w, null, null])
  })
})

describe('Node', () => {
  it("names the op, the shape and the versions when a saved tensor changed in place", () => {
    const w = tensor([1, 2], { requiresGrad: true }), a = tensor([3, 4])
    const y = w.mul(a).sum()
    a.mul_(2)
    let err: unknown
    try { y.backward() } catch (e) { err = e }
    expect(err).toBeInstanceOf(AutogradError)
    expect((err as Error).message).toMatch(/^backward: a tensor saved by "mul" \(shape \[2\]\) was modified by an in-place operation after it was saved \(version 1, expected 0\)/)
  })

  it('is released by backward (unless retainGraph) and then refuses a second backward', () => {
    const w = tensor([1, 2], { requiresGrad: true })
    const y = w.mul(w).sum()
    expect(y.gradFn!.released).toBe(false)
    y.backward(undefined, { retainGraph: true })
    expect(y.gradFn!.released).toBe(false)
    y.backward()
    expect(y.gradFn!.released).toBe(true)
    expect(() => y.backward()).toThrow(/second time \(op "sum"\)/)
  })

  it('keeps where it was created in anomaly mode: the caller\'s frames, not the Error line', () => {
    const w = tensor([1], { requiresGrad: true })
    expect(w.mul(2).gradFn!.stack).toBeUndefined()
    const node = detectAnomaly(() => w.mul(2)).gradFn!
    expect(node.stack).toMatch(/node\.test\.ts/)
    expect(node.stack!.split('\n')[0]).toMatch(/^\s+at /)
    expect(node.stack).not.toMatch(/^Error/m)
  })
})
