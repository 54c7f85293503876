// runGradcheck: core's verdict plus per-input analytic vs numerical gradients.
import { describe, expect, it } from 'vitest'
import { examples } from '../src/examples.js'
import { runGradcheck } from '../src/gradcheck.js'
import { runCode } from '../src/run.js'

const checkOf = (id: string) => runCode(examples.find((e) => e.id === id)!.code).checks[0]

describe('runGradcheck', () => {
  it('flags the wrong backward of the custom op, worst at the largest |x|', () => {
    const r = runGradcheck(checkOf('custom-op'))
    expect(r.ok).toBe(false)
    expect(r.errorName).toBe('GradcheckError')
    expect(r.message).toMatch(/Jacobian mismatch .* "x"/)
    const [x] = r.inputs
    expect([x.label, x.ok, x.worst]).toEqual(['x', false, 2])
    // analytic x² vs numerical 3x² for x = 2, through a random projection: a factor of 3
    expect(x.numerical[2] / x.analytic[2]).toBeCloseTo(3, 5)
  })

  it('passes correct gradients, also a second derivative', () => {
    for (const id of ['chain-rule', 'second-derivative']) {
      const r = runGradcheck(checkOf(id))
      expect([id, r.ok, r.inputs.map((i) => i.ok)]).toEqual([id, true, [true]])
      expect(r.inputs[0].maxError).toBeLessThan(1e-6)
    }
  })

  it('reports float32 inputs with core\'s DTypeError instead of a verdict', () => {
    const r = runGradcheck(runCode('const x = tensor([1, 2], { requiresGrad: true })\ncheck((x) => x.exp(), [x])').checks[0])
    expect([r.ok, r.errorName]).toEqual([false, 'DTypeError'])
  })
})
