// GPT's pre-training objective: next-token prediction on random windows of
// the token stream, for the shared training run (train/run.ts), and the sample
// shown at the end of a run.
import { getBatch } from '@adjoint/nn'
import type { SampleDefaults } from '../generation/from-checkpoint.js'
import { generate } from '../generation/generate.js'
import type { Tokenizer } from '../tokenizers/index.js'
import type { Objective } from '../train/objective.js'
import { trainModel, type RunOptions, type RunResult } from '../train/run.js'
import { countParameters, gptConfig, type GPTConfig } from './config.js'
import { GPT } from './model.js'
import { PRESETS } from './presets.js'

/** What `adjoint sample` and the end-of-run sample use when not told otherwise. */
export const GPT_SAMPLE_DEFAULTS: SampleDefaults = { tokens: 300, temperature: 0.8, prompt: '"The "' }

export interface GPTRunOptions extends Omit<RunOptions, 'model'> {
  /** Model settings over the preset's (tests use smaller models). */
  model?: Partial<GPTConfig>
}

export type GPTRunResult = RunResult<GPT>

/** GPT's objective: next-token prediction on random windows of the stream (nanoGPT's get_batch). */
export const gptObjective: Objective<GPT> = {
  kind: 'gpt',
  name: 'GPT',
  presets: PRESETS,
  specialTokens: [],
  configure: (model, tokenizer) => ({ ...model, vocabSize: tokenizer.vocabSize }),
  maxBlockSize: (model) => Number(model.blockSize),
  withBlockSize: (model, blockSize) => ({ ...model, blockSize }),
  build: (model) => new GPT(model as Partial<GPTConfig>),
  shape: (model, train) => {
    const c = gptConfig(model as Partial<GPTConfig>)
    return { parameters: countParameters(c), layers: c.nLayer, width: c.nEmbd, heads: c.nHead, vocab: c.vocabSize, seq: train.blockSize, batch: train.batchSize }
  },
  batchLoss(model, data, train, gen) {
    const [x, y] = getBatch(data, train.blockSize, train.batchSize, { generator: gen })
    return { loss: model.forward(x, y).loss!, tokens: train.batchSize * train.blockSize }
  },
  describe: (model, preset) => {
    const cfg = model.config
    return `model: GPT ${cfg.nLayer} layers, ${cfg.nHead} heads, ${cfg.nEmbd} wide, block ${cfg.blockSize}, ${(model.numParams() / 1e6).toFixed(2)}M parameters (config ${preset})`
  },
  sample(model, tokenizer, line, { seed, tokens }) {
    const prompt = defaultPrompt(tokenizer, line)
    const ids = generate(model, tokenizer.encode(prompt), tokens, { temperature: GPT_SAMPLE_DEFAULTS.temperature, seed })
    return { title: `sample (temperature ${GPT_SAMPLE_DEFAULTS.temperature}, ${tokens} tokens after ${JSON.stringify(prompt)}):`, text: tokenizer.decode(ids.contiguousData()) }
  },
}

/** A GPT training run (trainModel with GPT's objective). */
export async function trainGPT(o: GPTRunOptions): Promise<GPTRunResult> {
  return trainModel(gptObjective, o)
}

/** "The " when the vocabulary has it, else the first character of the text. */
export function defaultPrompt(tok: Tokenizer, text: string): string {
  try {
    tok.encode('The ')
    return 'The '
  } catch {
    return [...text][0] ?? ''
  }
}
