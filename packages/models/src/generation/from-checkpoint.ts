// What `adjoint sample` asks of a model kind: text from a checkpoint, with the
// kind's own defaults (gpt/sample.ts, bert/sample.ts, t5/sample.ts).
import type { OpenedRun } from '../train/checkpoint.js'

export interface SampleRequest {
  /** Where the checkpoint came from (named in messages). */
  ckpt?: string
  /** Default: the kind's (SampleDefaults.prompt). */
  prompt?: string
  tokens: number
  temperature: number
  topK?: number
  topP?: number
  seed: number
  /** Key/value cache (default true). */
  useCache?: boolean
  /** Filled by the sampler: what `adjoint sample`'s closing timing line reports. */
  stats?: SampleStats
}

/** Tokens and wall time of the prompt (prefill: up to the first new token) and of the generated tokens after it. */
export interface SampleStats {
  promptTokens: number
  promptMs: number
  generatedTokens: number
  generateMs: number
  /** The prompt's pass gave the whole answer (BERT fills its masks at once): no first new token, nothing generated after it. */
  onePass?: boolean
}

/** llama.cpp-style timing: prompt tokens and time, generated tokens, ms per token, tokens/s. */
export function formatSampleStats(s: SampleStats): string {
  const rate = (n: number, ms: number) => (ms > 0 ? `${(n / (ms / 1000)).toFixed(1)} tokens/s` : '- tokens/s')
  const per = (n: number, ms: number) => (n > 0 ? `${(ms / n).toFixed(2)} ms/token` : '- ms/token')
  if (s.onePass) return `timing: prompt ${s.promptTokens} tokens in ${s.promptMs.toFixed(1)} ms (${per(s.promptTokens, s.promptMs)}, ${rate(s.promptTokens, s.promptMs)}), one pass; nothing generated token by token`
  return `timing: prompt ${s.promptTokens} tokens and the first new one in ${s.promptMs.toFixed(1)} ms (${per(s.promptTokens, s.promptMs)}, ${rate(s.promptTokens, s.promptMs)}); ` +
    `then ${s.generatedTokens} generated tokens in ${s.generateMs.toFixed(1)} ms (${per(s.generatedTokens, s.generateMs)}, ${rate(s.generatedTokens, s.generateMs)})`
}

export interface SampleDefaults {
  /** Tokens generated when --tokens is not given. */
  tokens: number
  temperature: number
  /** The prompt when --prompt is not given, in words. */
  prompt: string
}

/**
 * Writes the prompt and what the model makes of it with `write` (streamed as
 * generated where it can be); `header` gets one line describing the model
 * before the first token. Returns the text.
 */
export type CheckpointSampler = (run: OpenedRun, o: SampleRequest, write: (text: string) => void, header?: (modelLine: string) => void) => string
