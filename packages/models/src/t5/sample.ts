// `adjoint sample` for T5: fills the <extra_id_N> spans of a prompt.
import { UsageError } from '../errors.js'
import type { CheckpointSampler, SampleDefaults } from '../generation/from-checkpoint.js'
import { expectKind, loadRunWeights } from '../train/checkpoint.js'
import { oneLine } from '../train/demo.js'
import type { T5Config } from './config.js'
import { T5ForConditionalGeneration } from './model.js'
import { fillSentinels, t5SpecialIds } from './objective.js'

export const DEFAULT_T5_PROMPT = 'The jury said it did not <extra_id_0> the election was <extra_id_1> by the city.'

/** Greedy, at most 64 new tokens (enough for a few spans). */
export const T5_SAMPLE_DEFAULTS: SampleDefaults = { tokens: 64, temperature: 0, prompt: 'a Brown-corpus sentence with two <extra_id_N> spans' }

/** Prints the prompt, the generated spans and the filled-in text; returns the filled text. */
export const sampleT5: CheckpointSampler = (run, o, write, header) => {
  expectKind(run, 't5')
  header?.(`model: ${o.ckpt ?? run.dir} (t5, step ${run.meta.step})`)
  const tok = run.tokenizer
  if (o.tokens < 1) throw new UsageError(`--tokens must be an integer >= 1 for a T5 (the spans need tokens), got ${o.tokens}`)
  const prompt = o.prompt ?? DEFAULT_T5_PROMPT
  const ids = tok.encode(prompt)
  const sentinels = t5SpecialIds(tok).sentinels
  if (!ids.some((t) => sentinels.includes(t))) throw new UsageError('--prompt has no sentinel: mark the spans to fill with <extra_id_0>, <extra_id_1>, ...')
  const model = new T5ForConditionalGeneration(run.meta.model as Partial<T5Config> & { vocabSize: number })
  loadRunWeights(run, model)
  // the prompt's time runs to the first new token (the encoder and one decoder step); the rest is per generated token
  const t0 = performance.now()
  let first = NaN, generated = 0
  const r = fillSentinels(model, tok, ids, {
    temperature: o.temperature, seed: o.seed, maxNewTokens: o.tokens,
    onToken: () => { if (generated++ === 0) first = performance.now() },
  })
  const end = performance.now()
  const eos = tok.specialId('</s>')
  if (o.stats) Object.assign(o.stats, { promptTokens: ids.length + (ids[ids.length - 1] === eos ? 0 : 1), promptMs: (Number.isNaN(first) ? end : first) - t0, generatedTokens: Math.max(0, generated - 1), generateMs: Number.isNaN(first) ? 0 : end - first })
  write(`prompt:  ${prompt}\nspans:   ${oneLine(r.target)}\nfilled:  ${oneLine(r.filled)}\n`)
  return r.filled
}
