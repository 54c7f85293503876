// @adjoint/core: tensors, ops and reverse-mode autodiff in plain TypeScript.
import { setReferenceBackend } from './backend/backend.js'
import { tsBackend } from './backend/ts/index.js'
import './methods.js'

setReferenceBackend(tsBackend)

export { Tensor, type Storage, type NestedArray } from './tensor.js'
/** A tensor's place in its storage (shape, strides, offset): the value tensors hold and kernels take. */
export { Layout } from './layout.js'
export { poolStats, setPoolOptions, clearPool, type PoolStats, type PoolOptions } from './memory/pool.js'
export { graphScope, keep, releaseBuffer, type GraphScopeOptions } from './memory/graph-scope.js'
export { type DType, type TypedArray, type FloatArray, type ArraySource, isFloat, promoteTypes, setArraySource } from './dtype.js'
export { AdjointError, ShapeError, DTypeError, IndexError, AutogradError, ValueError, fmtShape } from './errors.js'
export { Generator, manualSeed, defaultGenerator, type GeneratorState } from './random.js'
export { broadcastShapes, numel, contiguousStrides } from './shape.js'
/** Merges dims that are contiguous with each other in every operand (for backends' strided kernels). */
export { coalesce as coalesceDims } from './backend/ts/iterate.js'
/** erf of one number, accurate to float64 (the scalar behind Tensor.erf and exact GELU). */
export { erf as erfScalar } from './backend/ts/erf.js'
export {
  getBackend, registerKernels, resetKernels, referenceBackend, backendInfo,
  type Backend, KERNELS, flatArgs, type FlatArg, type FlatKernelFn, type KernelTable, type KernelSpec, type ArgKind, type ArgKinds, type ArgSpec, type StructSpec, type ParamSpec, type OptimizerKernels, type AdamHyper, type SgdHyper, type FusedKernels, type GeluKernels, type AttentionKernels, type AttentionInputs, type UnaryOp, type BinaryOp, type ReduceOp, type KernelName,
} from './backend/backend.js'

export * from './ops/creation.js'
export { binaryOp, unaryOp, where, maskedFill, clamp, triu, tril } from './ops/elementwise.js'
export { sum, mean, prod, amax, amin, argmax, argmin, max, min, logsumexp, variance as var, std, type ValuesIndices, type Dims, type VarOptions } from './ops/reduce.js'
export { matmul, linear } from './ops/matmul.js'
export { linearGelu, type LinearGeluOptions } from './ops/linear-gelu.js'
export { softmax, logSoftmax } from './ops/softmax.js'
export { layerNorm, rmsNorm } from './ops/normalization.js'
export { crossEntropy, nllLoss, checkReduction, reduceLoss, type Reduction, type CrossEntropyOptions, type NllLossOptions } from './ops/loss.js'
export { scaledDotProductAttention, scaledDotProductAttentionMath, type SdpaOptions } from './ops/attention.js'
export { dropout, type DropoutOptions } from './ops/dropout.js'
export { reshape, view, permute, transpose, expand, unsqueeze, squeeze, flatten, unflatten, slice, narrow, split, chunk, cat, stack, contiguous, clone } from './ops/movement.js'
export { gather, scatterAdd, indexSelect, indexAdd, embedding } from './ops/indexing.js'
export { to, detach } from './ops/cast.js'
export { assertTensor, assertFloat, type TensorLike } from './ops/util.js'

export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js'
export { Node, record, needsGrad, type BackwardFn } from './autograd/node.js'
export { recordFused, fusedBackward, type FusedBackward } from './autograd/fused.js'
export { type BackwardOptions, sumToShape } from './autograd/engine.js'
export { autogradGrad, type GradOptions } from './autograd/grad.js'
export { gradcheck, gradgradcheck, GradcheckError, type GradcheckOptions, type GradgradcheckOptions } from './autograd/gradcheck.js'
export { grad, valueAndGrad, vjp, jvp, hvp, jacobian, hessian, functional, type GradFnOptions, type FunctionalOptions } from './autograd/functional.js'
export { defineFunction, type FunctionCtx, type FunctionSpec, type FunctionGrads } from './autograd/function.js'
export { detectAnomaly, setDetectAnomaly, isAnomalyEnabled, AnomalyError } from './autograd/anomaly.js'
export { toDot, toMermaid, autogradGraph, type AutogradGraph, type GraphNode, type GraphEdge, type ExportOptions } from './autograd/graph-export.js'
export { trace, backwardRule, type TraceStep, type TraceResult, type TraceOptions } from './autograd/trace.js'

import { unaryOp, binaryOp } from './ops/elementwise.js'
import type { TensorLike } from './ops/util.js'
import type { Tensor as T } from './tensor.js'
import { autogradGrad } from './autograd/grad.js'
import { backward as engineBackward } from './autograd/engine.js'
import { functional as autogradFunctional } from './autograd/functional.js'
import { defineFunction as autogradFunction } from './autograd/function.js'
import { detectAnomaly as autogradDetectAnomaly, setDetectAnomaly as autogradSetDetectAnomaly } from './autograd/anomaly.js'
import { gradcheck as autogradGradcheck, gradgradcheck as autogradGradgradcheck } from './autograd/gradcheck.js'

// Function forms of the elementwise ops (torch.exp(x), torch.add(a, b), ...).
export const neg = (x: T) => unaryOp('neg', x)
export const exp = (x: T) => unaryOp('exp', x)
export const log = (x: T) => unaryOp('log', x)
export const sqrt = (x: T) => unaryOp('sqrt', x)
export const rsqrt = (x: T) => unaryOp('rsqrt', x)
export const tanh = (x: T) => unaryOp('tanh', x)
export const sigmoid = (x: T) => unaryOp('sigmoid', x)
export const relu = (x: T) => unaryOp('relu', x)
export const gelu = (x: T, opts: { approximate?: 'none' | 'tanh' } = {}) => unaryOp(opts.approximate === 'tanh' ? 'geluTanh' : 'gelu', x)
export const silu = (x: T) => unaryOp('silu', x)
export const sin = (x: T) => unaryOp('sin', x)
export const cos = (x: T) => unaryOp('cos', x)
export const abs = (x: T) => unaryOp('abs', x)
export const reciprocal = (x: T) => unaryOp('reciprocal', x)
export const square = (x: T) => unaryOp('square', x)
export const sign = (x: T) => unaryOp('sign', x)
export const erf = (x: T) => unaryOp('erf', x)
export const add = (a: TensorLike, b: TensorLike) => binaryOp('add', a, b)
export const sub = (a: TensorLike, b: TensorLike) => binaryOp('sub', a, b)
export const mul = (a: TensorLike, b: TensorLike) => binaryOp('mul', a, b)
export const div = (a: TensorLike, b: TensorLike) => binaryOp('div', a, b)
export const pow = (a: TensorLike, b: TensorLike) => binaryOp('pow', a, b)
export const maximum = (a: TensorLike, b: TensorLike) => binaryOp('maximum', a, b)
export const minimum = (a: TensorLike, b: TensorLike) => binaryOp('minimum', a, b)
export const eq = (a: TensorLike, b: TensorLike) => binaryOp('eq', a, b)
export const ne = (a: TensorLike, b: TensorLike) => binaryOp('ne', a, b)
export const lt = (a: TensorLike, b: TensorLike) => binaryOp('lt', a, b)
export const le = (a: TensorLike, b: TensorLike) => binaryOp('le', a, b)
export const gt = (a: TensorLike, b: TensorLike) => binaryOp('gt', a, b)
export const ge = (a: TensorLike, b: TensorLike) => binaryOp('ge', a, b)

/** torch.autograd's entry points: autograd.grad(outputs, inputs, gradOutputs, opts), autograd.functional.jacobian(...), ... */
export const autograd = {
  grad: autogradGrad,
  backward: engineBackward,
  functional: autogradFunctional,
  defineFunction: autogradFunction,
  detectAnomaly: autogradDetectAnomaly,
  setDetectAnomaly: autogradSetDetectAnomaly,
  gradcheck: autogradGradcheck,
  gradgradcheck: autogradGradgradcheck,
}
