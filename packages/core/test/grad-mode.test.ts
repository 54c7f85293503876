// autograd/grad-mode.ts: noGrad / enableGrad / setGradEnabled, like torch.no_grad,
// torch.enable_grad and torch.set_grad_enabled: scoped, nestable, restored on throw.
import { afterEach, describe, expect, it } from 'vitest'
import { enableGrad, isGradEnabled, noGrad, setGradEnabled, tensor } from '../src/index.js'

afterEach(() => setGradEnabled(true))

describe('grad mode', () => {
  it('noGrad and enableGrad return what the function returns', () => {
    expect(noGrad(() => 42)).toBe(42)
    const obj = { a: 1 }
    expect(enableGrad(() => obj)).toBe(obj)
  })

  it('nest: the innermost scope decides, and each restores the mode it found', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const seen: boolean[] = []
    noGrad(() => {
      seen.push(isGradEnabled())
      enableGrad(() => {
        seen.push(isGradEnabled())
        expect(x.mul(2).requiresGrad).toBe(true)
        noGrad(() => seen.push(isGradEnabled()))
        seen.push(isGradEnabled())
      })
      seen.push(isGradEnabled())
      expect(x.mul(2).requiresGrad).toBe(false)
    })
    seen.push(isGradEnabled())
    expect(seen).toEqual([false, true, false, true, false, true])
  })

  it('restore the previous mode when the function throws', () => {
    expect(() => noGrad(() => { throw new Error('boom') })).toThrow('boom')
    expect(isGradEnabled()).toBe(true)
    setGradEnabled(false)
    expect(() => enableGrad(() => { throw new Error('bang') })).toThrow('bang')
    expect(isGradEnabled()).toBe(false)
    // enableGrad under a disabled mode records
    const x = tensor([1], { requiresGrad: true })
    expect(enableGrad(() => x.mul(3)).requiresGrad).toBe(true)
    expect(x.mul(3).requiresGrad).toBe(false)
  })

  it('setGradEnabled switches the mode until switched back, also inside a scope', () => {
    setGradEnabled(false)
    expect(isGradEnabled()).toBe(false)
    setGradEnabled(true)
    expect(isGradEnabled()).toBe(true)
    // a switch inside a scope lasts until the scope ends, then the scope's entry mode returns
    noGrad(() => {
      setGradEnabled(true)
      expect(isGradEnabled()).toBe(true)
    })
    expect(isGradEnabled()).toBe(true)
    enableGrad(() => setGradEnabled(false))
    expect(isGradEnabled()).toBe(true)
  })
})
