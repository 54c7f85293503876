// `import '@adjoint/core/testing/vitest'` (in a test file or a setupFiles entry)
// adds expect(fn).toHaveCorrectGradients(inputs, opts?) to vitest. Only tests
// import this file: core itself never imports vitest.
import { expect } from 'vitest'
import type { Tensor } from '../tensor.js'
import type { GradientCheckOptions } from './gradients.js'
import { installMatchers } from './matchers.js'

installMatchers(expect)

declare module 'vitest' {
  interface Matchers<T = any> {
    /**
     * Checks fn's gradients at `inputs` against finite differences (gradcheck, on
     * float64 copies of the float inputs). `{gradgrad: true}` also checks second derivatives.
     */
    toHaveCorrectGradients(inputs: Tensor | readonly Tensor[], opts?: GradientCheckOptions): T
  }
}

export { installMatchers }
