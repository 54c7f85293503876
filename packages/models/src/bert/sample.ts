// `adjoint sample` for BERT: fills the [MASK]s of a prompt (or masks 15% of it itself).
import type { CheckpointSampler, SampleDefaults } from '../generation/from-checkpoint.js'
import { expectKind, loadRunWeights } from '../train/checkpoint.js'
import { oneLine } from '../train/demo.js'
import type { BertConfig } from './config.js'
import { BertForMaskedLM } from './heads.js'
import { fillMasks } from './objective.js'

export const DEFAULT_BERT_PROMPT = 'The jury said it did not [MASK] that the election was [MASK] fairly.'

/** Each [MASK] gets its most likely token; --tokens and --temperature do not apply. */
export const BERT_SAMPLE_DEFAULTS: SampleDefaults = { tokens: 64, temperature: 0, prompt: 'a Brown-corpus sentence with two [MASK]s' }

/** Prints the (masked) prompt and its filled-in version; returns the filled text. */
export const sampleBert: CheckpointSampler = (run, o, write, header) => {
  expectKind(run, 'bert')
  header?.(`model: ${o.ckpt ?? run.dir} (bert, step ${run.meta.step})`)
  const prompt = o.prompt ?? DEFAULT_BERT_PROMPT
  const model = new BertForMaskedLM(run.meta.model as Partial<BertConfig> & { vocabSize: number })
  loadRunWeights(run, model)
  const t0 = performance.now()
  const r = fillMasks(model, run.tokenizer, prompt, { seed: o.seed })
  // one encoder pass over the prompt; nothing is generated token by token
  if (o.stats) Object.assign(o.stats, { promptTokens: run.tokenizer.encode(prompt).length + 2, promptMs: performance.now() - t0, generatedTokens: 0, generateMs: 0, onePass: true })
  write(`prompt:  ${oneLine(r.masked)}\nfilled:  ${oneLine(r.filled)}\n`)
  return r.filled
}
