// `adjoint sample` for GPT: text after a prompt, streamed as it is generated.
import { UsageError, VocabularyError } from '../errors.js'
import { generate } from '../generation/generate.js'
import type { CheckpointSampler } from '../generation/from-checkpoint.js'
import { CharTokenizer } from '../tokenizers/index.js'
import { expectKind, loadRunWeights } from '../train/checkpoint.js'
import type { GPTConfig } from './config.js'
import { GPT } from './model.js'
import { defaultPrompt } from './objective.js'

/** Streams the prompt and maxNewTokens sampled tokens after it; returns the whole text. */
export const sampleGPT: CheckpointSampler = (run, o, write, header) => {
  expectKind(run, 'gpt')
  const ckpt = o.ckpt ?? run.dir
  const model = new GPT(run.meta.model as Partial<GPTConfig>)
  loadRunWeights(run, model)
  const tok = run.tokenizer
  const prompt = o.prompt ?? defaultPrompt(tok, tok instanceof CharTokenizer ? tok.chars.join('') : 'a')
  let ids: number[]
  try {
    ids = tok.encode(prompt)
  } catch (e) {
    if (e instanceof VocabularyError) throw new VocabularyError(`the prompt cannot be encoded with the vocabulary of ${ckpt}: ${e.message.replace(/^char tokenizer: /, '')}`)
    throw e
  }
  if (ids.length === 0) throw new UsageError('--prompt encodes to no tokens: give some text')
  header?.(`model: ${ckpt} (step ${run.meta.step}, ${(model.numParams() / 1e6).toFixed(2)}M parameters)`)
  write(prompt)
  const out: number[] = [...ids]
  let shown = tok.decode(out).length
  // the prompt's time runs to the first new token (prefill and one sample); the rest is per generated token
  const t0 = performance.now()
  let first = NaN
  generate(model, ids, o.tokens, {
    temperature: o.temperature, topK: o.topK, topP: o.topP, seed: o.seed, useCache: o.useCache ?? true,
    onToken: (_row, id) => {
      if (Number.isNaN(first)) first = performance.now()
      out.push(id)
      const text = tok.decode(out)
      if (!text.endsWith('\ufffd')) { write(text.slice(shown)); shown = text.length }
    },
  })
  const end = performance.now()
  if (o.stats) Object.assign(o.stats, { promptTokens: ids.length, promptMs: (Number.isNaN(first) ? end : first) - t0, generatedTokens: Math.max(0, o.tokens - 1), generateMs: Number.isNaN(first) ? 0 : end - first })
  const text = tok.decode(out)
  write(text.slice(shown) + '\n')
  return text
}
