// The toHaveCorrectGradients matcher, for any expect() with an extend() method
// (vitest, jest). `@adjoint/core/testing/vitest` installs it into vitest's expect.
import type { Tensor } from '../tensor.js'
import { checkGradients, type GradientCheckOptions } from './gradients.js'

interface MatcherContext { isNot?: boolean }
interface MatcherResult { pass: boolean, message: () => string }

export const gradientMatchers = {
  /** expect(fn).toHaveCorrectGradients(inputs, opts?): gradcheck of fn at inputs (float64 copies). */
  toHaveCorrectGradients(this: MatcherContext, received: unknown, inputs: Tensor | readonly Tensor[], opts?: GradientCheckOptions): MatcherResult {
    if (typeof received !== 'function') {
      return { pass: false, message: () => `toHaveCorrectGradients: expected a function of tensors, got ${received === null ? 'null' : typeof received}` }
    }
    const r = checkGradients(received as (...xs: Tensor[]) => Tensor, inputs, opts)
    return {
      pass: r.pass,
      message: () => (r.pass ? `expected the gradients to be wrong, but ${r.message}` : r.message),
    }
  },
}

/** Installs the gradient matchers: installMatchers(expect). */
export function installMatchers(expect: { extend(matchers: Record<string, unknown>): void }): void {
  expect.extend(gradientMatchers)
}
