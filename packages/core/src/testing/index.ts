// @adjoint/core/testing: tools for testing your own code with adjoint.
export * from './arbitraries.js'
