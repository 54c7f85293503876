// The pure-TS backend: every kernel, the reference for any other backend.
import type { Backend } from '../backend.js'
import { attention, attentionBackward } from './attention.js'
import { copy } from './copy.js'
import { binary, reluBackward, unary } from './elementwise.js'
import { biasGelu, biasGeluBackward, gelu, geluBackward } from './gelu.js'
import { gemm } from './gemm.js'
import { gather, indexAdd, indexSelect, scatterAdd, where } from './indexing.js'
import { columnSums, reduce } from './reduce.js'
import { crossEntropy, crossEntropyBackward } from './loss.js'
import { layerNorm, layerNormBackward, rmsNorm, rmsNormBackward } from './norm.js'
import { adamStep, scaleAll, sgdStep, sumSquares } from './optim.js'
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward } from './rowwise.js'

export const tsBackend: Backend = { copy, unary, reluBackward, binary, reduce, columnSums, gemm, softmax, logSoftmax, softmaxBackward, logSoftmaxBackward, where, indexSelect, indexAdd, gather, scatterAdd, layerNorm, layerNormBackward, rmsNorm, rmsNormBackward, crossEntropy, crossEntropyBackward, gelu, geluBackward, biasGelu, biasGeluBackward, attention, attentionBackward, adamStep, sgdStep, sumSquares, scaleAll }
