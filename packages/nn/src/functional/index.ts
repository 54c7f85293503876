// torch.nn.functional: import * as F from it, or use the `F` namespace export.
export { relu, gelu, silu, tanh, sigmoid, softmax, logSoftmax, dropout, type DropoutOptions } from './activation.js'
export { linear, embedding, oneHot, type EmbeddingOptions } from './linear.js'
export { layerNorm, rmsNorm } from './normalization.js'
export { crossEntropy, nllLoss, mseLoss, l1Loss, binaryCrossEntropyWithLogits, type CrossEntropyOptions, type NllLossOptions, type BceWithLogitsOptions } from './loss.js'
export { scaledDotProductAttention, causalMask, type SdpaOptions } from './attention.js'
export type { Reduction } from './util.js'
