// A pre-training objective: what differs between training a GPT (next-token
// prediction), a BERT (masked-LM) and a T5 (span corruption). The run around
// it (data, tokenizer, AdamW and its schedule, evaluation, checkpoints, the
// log and plots, resume) is shared: see trainModel in ./run.ts.
import type { Generator, Tensor } from '@adjoint/core'
import type { Module, TokenIds } from '@adjoint/nn'
import type { Tokenizer } from '../tokenizers/index.js'
import type { TrainConfig } from './config.js'
import type { TransformerShape } from './memory.js'

export interface ObjectivePreset {
  description: string
  /** The model's constructor config, before the tokenizer is known (vocabulary size and special ids are added by configure). */
  model: Record<string, unknown>
  train: TrainConfig
}

export interface Objective<M extends Module = Module> {
  /** The checkpoint kind (config.json's "kind"), e.g. 'gpt'. */
  kind: string
  /** The model's name in messages and plots, e.g. 'GPT'. */
  name: string
  /** Named size + training presets (--config); the first is the default. */
  presets: Record<string, ObjectivePreset>
  /** Special tokens a new tokenizer gets (after its own vocabulary). */
  specialTokens: readonly string[]
  /** The tokenizer of a new run when --tokenizer is not given (default: char). */
  defaultTokenizer?: { kind: 'char' | 'bpe'; vocabSize?: number }
  /** The model config for this tokenizer (vocabulary size, special token ids). */
  configure(model: Record<string, unknown>, tokenizer: Tokenizer): Record<string, unknown>
  /** The longest training sequence the config allows (Infinity when unbounded). */
  maxBlockSize(model: Record<string, unknown>): number
  /** The config for a model trained on sequences of blockSize tokens (--block on a new run). */
  withBlockSize(model: Record<string, unknown>, blockSize: number): Record<string, unknown>
  build(model: Record<string, unknown>): M
  /** The sizes that decide the memory of training this config on batches of train.batchSize x train.blockSize (checked before building). */
  shape(model: Record<string, unknown>, train: TrainConfig): TransformerShape
  /** Loss of one batch drawn from a token stream with gen (the caller sets train/eval mode and grad mode), and the tokens it covered. */
  batchLoss(model: M, data: TokenIds, train: TrainConfig, gen: Generator, tokenizer: Tokenizer): { loss: Tensor; tokens: number }
  /** One line describing the model. */
  describe(model: M, preset: string): string
  /**
   * What to show at the end of a run (a sample of about `tokens` tokens), or null. `line` is
   * demoLine(training text, seed): the run picks it before training, so the text need not stay in memory.
   */
  sample?(model: M, tokenizer: Tokenizer, line: string, opts: { seed: number; tokens: number }): { title: string; text: string } | null
}
