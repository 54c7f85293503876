// adjoint train: the one-command tiny-LM run.
import { existsSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { MODEL_KINDS, MODEL_KIND_NAMES } from '../registry.js'
import { trainModel } from '../train/run.js'
import { UsageError, bool, helpText, int, num, oneOf, parse, str, type Flags } from './args.js'
import { announceBackend } from './backend.js'
import { runStoppable } from './stop-signals.js'
import { terminalUI } from './ui.js'

const flags: Flags = {
  model: { type: 'string', help: `KIND: ${MODEL_KIND_NAMES.join(' | ')} (default gpt): next-token, masked-LM or span-corruption pre-training` },
  data: { type: 'string', help: 'FILE: train on this text file (default: the Brown corpus)' },
  config: { type: 'string', help: `NAME: ${MODEL_KIND_NAMES.map((k, i) => `${i === 0 ? '' : `${k}: `}${Object.keys(MODEL_KINDS[k].objective.presets).join(' | ')}`).join('; ')} (default tiny)` },
  steps: { type: 'string', help: "N: optimizer steps in all (default: the config's)" },
  batch: { type: 'string', help: 'B: sequences per step' },
  block: { type: 'string', help: 'T: tokens per sequence (a new model gets this block size)' },
  lr: { type: 'string', help: 'LR: peak learning rate' },
  seed: { type: 'string', help: 'N: random seed' },
  'eval-every': { type: 'string', help: "N: evaluate the validation loss every N steps (default: the config's)" },
  'eval-iters': { type: 'string', help: "N: batches averaged per evaluation (default: the config's)" },
  'ckpt-every': { type: 'string', help: "N: save a checkpoint every N steps (default: the config's; also at the end and on Ctrl-C)" },
  threads: { type: 'string', help: 'N: threads for the native kernels' },
  tokenizer: { type: 'string', help: 'KIND: char | bpe (default char; bert: bpe)' },
  vocab: { type: 'string', help: 'N: BPE vocabulary size (default 512; bert: 2048)' },
  out: { type: 'string', help: 'DIR: run directory (default runs/CONFIG-DATA)' },
  resume: { type: 'boolean', help: 'continue the run in --out from its checkpoint' },
}

const SUMMARY = `Trains a GPT, BERT or T5 from scratch (or resumes one), showing a progress bar;
evaluates, checkpoints (runs/NAME/checkpoint), logs (log.csv, loss.svg) and ends with a sample.
Ctrl-C (or SIGTERM) saves a checkpoint first; a second Ctrl-C quits at once. Configs:
${Object.values(MODEL_KINDS).flatMap(({ kind: m, objective: o }) => Object.entries(o.presets).map(([k, p]) => `  ${(m === 'gpt' ? k : `${m} ${k}`).padEnd(10)} ${p.description}`)).join('\n')}`

export async function trainCommand(argv: string[]): Promise<number> {
  const p = parse('train', argv, flags)
  if (bool(p, 'help')) { process.stdout.write(helpText('train', SUMMARY, flags)); return 0 }
  const kind = oneOf(p, 'model', MODEL_KIND_NAMES) ?? 'gpt'
  const objective = MODEL_KINDS[kind].objective
  const preset = oneOf(p, 'config', Object.keys(objective.presets))
  const data = str(p, 'data')
  const resume = bool(p, 'resume')
  const tokenizer = oneOf(p, 'tokenizer', ['char', 'bpe'] as const)
  const vocab = int(p, 'vocab', { min: 257, max: 65536 })
  if (vocab !== undefined && (tokenizer ?? objective.defaultTokenizer?.kind ?? 'char') !== 'bpe') throw new UsageError('--vocab is for --tokenizer bpe')
  const train = {
    steps: int(p, 'steps'), batchSize: int(p, 'batch'), blockSize: int(p, 'block', { min: 2 }),
    lr: num(p, 'lr', { min: 0, exclusiveMin: true }), seed: int(p, 'seed', { min: 0 }),
  }
  const schedule = { evalInterval: int(p, 'eval-every'), evalIters: int(p, 'eval-iters'), ckptInterval: int(p, 'ckpt-every') }
  const threads = int(p, 'threads', { max: 256 })
  let out = str(p, 'out')
  if (resume && !out) throw new UsageError('--resume needs --out DIR (the run directory to continue)')
  if (resume && (tokenizer || vocab)) throw new UsageError('--tokenizer and --vocab cannot change when resuming')
  if (!out) {
    const base = join('runs', `${kind === 'gpt' ? '' : `${kind}-`}${preset ?? 'tiny'}-${data ? basename(data, extname(data)) : 'brown'}`)
    out = base
    for (let i = 2; existsSync(join(out, 'checkpoint')); i++) out = `${base}-${i}`
  } else if (!resume && (existsSync(join(out, 'checkpoint')) || existsSync(join(out, '.checkpoint.old')))) {
    throw new UsageError(`${out} already holds a checkpoint: add --resume to continue it, or choose another --out`)
  }

  announceBackend(threads)
  return runStoppable('stopping: saving a checkpoint after this step', (shouldStop) => trainModel(objective, { data, preset, train, schedule, tokenizer, vocabSize: vocab, out, resume, ui: terminalUI(), shouldStop }))
}
