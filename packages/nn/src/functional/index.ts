// torch.nn.functional: import * as F from it, or use the `F` namespace export.
// Thin: the differentiable ops (and their argument checks) are core's.
export { relu, gelu, silu, tanh, sigmoid, softmax, logSoftmax, dropout, type DropoutOptions } from './activation.js'
export { linear, linearGelu, embedding, oneHot, type EmbeddingOptions } from './linear.js'
export { layerNorm, rmsNorm } from './normalization.js'
export { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions, type Reduction } from '@adjoint/core'
export { mseLoss, l1Loss, binaryCrossEntropyWithLogits, type BceWithLogitsOptions } from './loss.js'
export { scaledDotProductAttention, type SdpaOptions } from './attention.js'
