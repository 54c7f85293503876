// Argument checks shared by the functional ops (core's own).
export { assertTensor, assertFloat, checkReduction, reduceLoss, type Reduction } from '@adjoint/core'
