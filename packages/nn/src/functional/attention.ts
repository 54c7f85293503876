// Attention: core's scaledDotProductAttention (fused kernels, strided q/k/v, KV-cache
// friendly causal form) under torch.nn.functional's name.
export { scaledDotProductAttention, type SdpaOptions } from '@adjoint/core'
