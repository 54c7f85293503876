// adjoint sample: text from a trained checkpoint, by its kind's sampler
// (registry.ts): GPT streams text after a prompt, T5 fills a prompt's
// <extra_id_N> spans, BERT its [MASK]s.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { formatSampleStats, type SampleStats } from '../generation/from-checkpoint.js'
import { MODEL_KINDS, MODEL_KIND_NAMES, modelKind } from '../registry.js'
import { CheckpointError } from '../errors.js'
import { openRun } from '../runs.js'
import { expectKind } from '../train/checkpoint.js'
import { UsageError, bool, helpText, int, num, oneOf, parse, str, type Flags } from './args.js'
import { applyThreads, backendLine } from './backend.js'

/** "default 300; bert 64, t5 64" from each kind's sample defaults. */
const perKind = (pick: (d: (typeof MODEL_KINDS)[keyof typeof MODEL_KINDS]['sampleDefaults']) => string) =>
  `default ${MODEL_KIND_NAMES.map((k, i) => `${i === 0 ? '' : `${k} `}${pick(MODEL_KINDS[k].sampleDefaults)}`).join('; ')}`

const flags: Flags = {
  ckpt: { type: 'string', help: 'DIR: the run directory (runs/NAME), its checkpoint/ folder, or a Hugging Face model folder (default: the most recent run under runs/)' },
  model: { type: 'string', help: `KIND: ${MODEL_KIND_NAMES.join(' | ')} (default: the checkpoint's); t5 fills the prompt's <extra_id_N> spans, bert its [MASK]s` },
  prompt: { type: 'string', help: `TEXT: what the text starts with (${perKind((d) => d.prompt)})` },
  tokens: { type: 'string', help: `N: tokens to generate (${perKind((d) => String(d.tokens))})` },
  temperature: { type: 'string', help: `T: softmax temperature, 0 = greedy (${perKind((d) => String(d.temperature))})` },
  'top-k': { type: 'string', help: 'K: sample among the K most likely tokens' },
  'top-p': { type: 'string', help: 'P: sample among the most likely tokens holding probability P' },
  seed: { type: 'string', help: 'N: random seed (default 1)' },
  threads: { type: 'string', help: 'N: threads for the native kernels' },
  'no-cache': { type: 'boolean', help: 'recompute the whole context for every token (slower; the same text while it fits in the block)' },
}

export async function sampleCommand(argv: string[]): Promise<number> {
  const p = parse('sample', argv, flags)
  if (bool(p, 'help')) { process.stdout.write(helpText('sample', 'Generates text from a checkpoint written by adjoint train.', flags)); return 0 }
  const ckpt = str(p, 'ckpt') ?? latestRun('runs')
  const tokensFlag = int(p, 'tokens', { min: 0 })
  const temperature = num(p, 'temperature', { min: 0 })
  const topK = int(p, 'top-k')
  const topP = num(p, 'top-p', { min: 0, max: 1, exclusiveMin: true })
  const seed = int(p, 'seed', { min: 0 }) ?? 1
  const note = applyThreads(int(p, 'threads', { max: 256 }))
  const run = openRun(ckpt)
  const kind = oneOf(p, 'model', MODEL_KIND_NAMES)
  if (kind) expectKind(run, kind)
  if (!Object.prototype.hasOwnProperty.call(MODEL_KINDS, run.meta.kind)) throw new CheckpointError(`${ckpt} holds a "${run.meta.kind}" model, not a model of adjoint train (${MODEL_KIND_NAMES.join(', ')})`)
  const entry = modelKind(run.meta.kind)
  if (run.recovered) process.stderr.write(`note: ${run.recovered}\n`)
  const defaults = entry.sampleDefaults
  const stats: SampleStats = { promptTokens: 0, promptMs: 0, generatedTokens: 0, generateMs: 0 }
  entry.sample(run, {
    ckpt, prompt: str(p, 'prompt'), tokens: tokensFlag ?? defaults.tokens, temperature: temperature ?? defaults.temperature,
    topK, topP, seed, useCache: !bool(p, 'no-cache'), stats,
  }, (s) => process.stdout.write(s), (line) => process.stderr.write(`${backendLine()}\n${note ? note + '\n' : ''}${line}\n\n`))
  process.stderr.write(`\n${formatSampleStats(stats)}\n`)
  return 0
}

/** The run directory under `root` whose checkpoint was written last. */
export function latestRun(root: string): string {
  const runs = existsSync(root) ? readdirSync(root).map((d) => join(root, d)).filter((d) => existsSync(join(d, 'checkpoint'))) : []
  if (runs.length === 0) throw new UsageError(`--ckpt DIR is needed: no run with a checkpoint under ${root}/ (train one with pnpm train)`)
  const time = (d: string) => statSync(join(d, 'checkpoint')).mtimeMs
  return runs.reduce((a, b) => (time(b) > time(a) ? b : a))
}
