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
