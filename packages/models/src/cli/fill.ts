// `adjoint sample` for the encoder models: T5 fills the <extra_id_N> spans of
// a prompt, BERT fills its [MASK]s (or masks 15% of it itself).
import { BertForMaskedLM } from '../bert/heads.js'
import type { BertConfig } from '../bert/config.js'
import { UsageError } from './args.js'
import { fillMasks, fillSentinels, t5SpecialIds } from '../pretraining/objectives.js'
import { T5ForConditionalGeneration } from '../t5/model.js'
import type { T5Config } from '../t5/config.js'
import { loadRunWeights, type OpenedRun } from '../train/checkpoint.js'

export const DEFAULT_T5_PROMPT = 'The jury said it did not <extra_id_0> the election was <extra_id_1> by the city.'
export const DEFAULT_BERT_PROMPT = 'The jury said it did not [MASK] that the election was [MASK] fairly.'

/** Newlines shown as \n, so a fill stays on its line. */
const oneLine = (s: string) => s.replace(/\n/g, '\\n')

export interface FillOptions {
  prompt?: string
  temperature: number
  seed: number
  tokens: number
}

/** Prints the prompt and its filled-in version; returns the filled text. */
export function fillFromCheckpoint(run: OpenedRun, o: FillOptions, write: (s: string) => void): string {
  const tok = run.tokenizer
  if (run.meta.kind === 't5') {
    const prompt = o.prompt ?? DEFAULT_T5_PROMPT
    const ids = tok.encode(prompt)
    const sentinels = t5SpecialIds(tok).sentinels
    if (!ids.some((t) => sentinels.includes(t))) throw new UsageError('--prompt has no sentinel: mark the spans to fill with <extra_id_0>, <extra_id_1>, ...')
    const model = new T5ForConditionalGeneration(run.meta.model as Partial<T5Config> & { vocabSize: number })
    loadRunWeights(run, model)
    const r = fillSentinels(model, tok, ids, { temperature: o.temperature, seed: o.seed, maxNewTokens: o.tokens })
    write(`prompt:  ${prompt}\nspans:   ${oneLine(r.target)}\nfilled:  ${oneLine(r.filled)}\n`)
    return r.filled
  }
  const prompt = o.prompt ?? DEFAULT_BERT_PROMPT
  const model = new BertForMaskedLM(run.meta.model as Partial<BertConfig> & { vocabSize: number })
  loadRunWeights(run, model)
  const r = fillMasks(model, tok, prompt, { seed: o.seed })
  write(`prompt:  ${oneLine(r.masked)}\nfilled:  ${oneLine(r.filled)}\n`)
  return r.filled
}
