// @adjoint/nn: modules, layers, functional ops, losses, init, optimizers,
// LR schedulers, safetensors checkpoints and data loading (torch.nn + torch.optim).
export { Parameter } from './parameter.js'
export { Module, type StateDict, type LoadResult } from './module.js'
export { Sequential, ModuleList, ModuleDict, type UnaryModule } from './modules/container.js'
export { Linear, Identity, type LayerOptions } from './modules/linear.js'
export { Embedding } from './modules/embedding.js'
export { LayerNorm, RMSNorm, type LayerNormOptions } from './modules/normalization.js'
export { ReLU, GELU, SiLU, Tanh, Sigmoid, Softmax, Dropout } from './modules/activation.js'
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './modules/attention.js'
export { KVCache, type KVCacheOptions } from './modules/kv-cache.js'
export {
  TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder, decoderLayerCache,
  type TransformerLayerOptions, type EncoderLayerForwardOptions, type DecoderLayerForwardOptions, type DecoderLayerCache, type Activation,
} from './modules/transformer.js'

export * as F from './functional/index.js'
export * as functional from './functional/index.js'
export * as init from './init.js'

export { Optimizer, type ParamGroup, type ParamsInput, type OptimizerStateDict, type ParamState } from './optim/optimizer.js'
export { SGD, type SGDOptions } from './optim/sgd.js'
export { Adam, AdamW, type AdamOptions } from './optim/adam.js'
export { LRScheduler, LambdaLR, StepLR, CosineAnnealingLR, LinearLR, SequentialLR, WarmupCosineLR, warmupCosineLr, type WarmupCosineOptions, type SchedulerState } from './optim/schedulers.js'
export { clipGradNorm_, clipGradValue_ } from './optim/clip.js'

export { encodeSafetensors, decodeSafetensors, SafetensorsError, crc32, type EncodeOptions, type Decoded } from './io/safetensors.js'
export { encodeCheckpoint, decodeCheckpoint, type TrainingState } from './io/checkpoint.js'
export { save, load, loadWithMetadata, saveCheckpoint, loadCheckpoint, writeFileAtomic } from './io/file.js'

export { TensorDataset, DataLoader, defaultCollate, type Dataset, type DataLoaderOptions, type Batch } from './data/dataset.js'
export { TokenBlockDataset, getBatch, compactTokenIds, type TokenIds } from './data/lm.js'
