// @adjoint/core/testing: tools for testing your own code with adjoint.
// (The vitest matcher is in '@adjoint/core/testing/vitest', so that this entry never imports vitest.)
export * from './arbitraries.js'
export { checkGradients, unravelIndex, type GradientCheckOptions, type GradientCheckResult } from './gradients.js'
export { gradientMatchers, installMatchers } from './matchers.js'
export { DEFAULT_TOLERANCES, assertClose, compareClose, isClose, type CloseOptions, type CloseResult } from './close.js'
