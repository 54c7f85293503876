// layerNorm and rmsNorm are core's ops; torch.nn.functional names them the same.
export { layerNorm, rmsNorm } from '@adjoint/core'
