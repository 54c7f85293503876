// A Hugging Face folder seen as a run checkpoint, so that everything that opens
// a run (adjoint sample, adjoint finetune, adjoint export) takes one too: the
// kind and model config come from config.json, the tokenizer from its files,
// and the weights are read and mapped to adjoint's names when loaded.
import type { StateDict } from '@adjoint/nn'
import { CheckpointError } from '../errors.js'
import type { Tokenizer } from '../tokenizers/index.js'
import { openHuggingFaceFolder } from './pretrained.js'

/** The parts of a run checkpoint a Hugging Face folder provides (train/checkpoint.ts's OpenedRun). */
export interface HuggingFaceRun {
  runDir: string
  dir: string
  meta: { format: 'adjoint-run'; version: 1; kind: string; model: Record<string, unknown>; train: Record<string, unknown>; step: number; data: Record<string, unknown> }
  tokenizer: Tokenizer
  /** The weights in adjoint's names and layout (instead of the run's model.safetensors). */
  weights: () => StateDict
}

export function openHuggingFaceRun(dir: string): HuggingFaceRun {
  const f = openHuggingFaceFolder(dir)
  if (!f.tokenizer) throw new CheckpointError(`${dir} is a Hugging Face ${f.kind.modelType} folder, but its tokenizer cannot be used: ${f.tokenizerProblem}`)
  return {
    runDir: dir, dir, tokenizer: f.tokenizer, weights: f.weights,
    meta: { format: 'adjoint-run', version: 1, kind: f.kind.kind, model: { ...f.config }, train: {}, step: 0, data: { source: 'huggingface', path: dir } },
  }
}
