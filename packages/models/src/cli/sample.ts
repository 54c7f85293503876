// adjoint sample: text from a trained GPT checkpoint, streamed as it is generated
// (a T5 checkpoint fills a prompt's <extra_id_N> spans, a BERT one its [MASK]s: ./fill.ts).
import { generate } from '../generate.js'
import { VocabularyError } from '../errors.js'
import { GPT } from '../gpt/model.js'
import type { GPTConfig } from '../gpt/config.js'
import { expectKind, loadRunWeights, openRun } from '../train/checkpoint.js'
import { defaultPrompt } from '../train/gpt-run.js'
import { CharTokenizer } from '../tokenizers/index.js'
import { UsageError, bool, helpText, int, num, oneOf, parse, str, type Flags } from './args.js'
import { applyThreads, backendLine } from './backend.js'
import { fillFromCheckpoint } from './fill.js'

const flags: Flags = {
  ckpt: { type: 'string', help: 'DIR: the run directory (runs/NAME) or its checkpoint/ folder' },
  model: { type: 'string', help: "KIND: gpt | bert | t5 (default: the checkpoint's); t5 fills the prompt's <extra_id_N> spans, bert its [MASK]s" },
  prompt: { type: 'string', help: 'TEXT: what the text starts with (default "The ")' },
  tokens: { type: 'string', help: 'N: tokens to generate (default 300)' },
  temperature: { type: 'string', help: 'T: softmax temperature, 0 = greedy (default 0.8)' },
  'top-k': { type: 'string', help: 'K: sample among the K most likely tokens' },
  'top-p': { type: 'string', help: 'P: sample among the most likely tokens holding probability P' },
  seed: { type: 'string', help: 'N: random seed (default 1)' },
  threads: { type: 'string', help: 'N: threads for the native kernels' },
  'no-cache': { type: 'boolean', help: 'recompute the whole context for every token (slower; same text)' },
}

export async function sampleCommand(argv: string[]): Promise<number> {
  const p = parse('sample', argv, flags)
  if (bool(p, 'help')) { process.stdout.write(helpText('sample', 'Generates text from a checkpoint written by adjoint train.', flags)); return 0 }
  const ckpt = str(p, 'ckpt')
  if (!ckpt) throw new UsageError('--ckpt DIR is required (e.g. --ckpt runs/tiny-brown)')
  const tokens = int(p, 'tokens', { min: 0 }) ?? 300
  const temperature = num(p, 'temperature', { min: 0 }) ?? 0.8
  const topK = int(p, 'top-k')
  const topP = num(p, 'top-p', { min: 0, max: 1, exclusiveMin: true })
  const seed = int(p, 'seed', { min: 0 }) ?? 1
  const note = applyThreads(int(p, 'threads', { max: 256 }))
  const run = openRun(ckpt)
  const kind = oneOf(p, 'model', ['gpt', 'bert', 't5'] as const)
  if (kind) expectKind(run, kind)
  if (run.meta.kind === 't5' || run.meta.kind === 'bert') {
    process.stderr.write(`${backendLine()}\n${note ? note + '\n' : ''}model: ${ckpt} (${run.meta.kind}, step ${run.meta.step})\n\n`)
    fillFromCheckpoint(run, { prompt: str(p, 'prompt'), temperature: num(p, 'temperature', { min: 0 }) ?? 0, seed, tokens: int(p, 'tokens', { min: 1 }) ?? 64 }, (s) => process.stdout.write(s))
    return 0
  }
  expectKind(run, 'gpt')
  const model = new GPT(run.meta.model as Partial<GPTConfig>)
  loadRunWeights(run, model)
  const tok = run.tokenizer
  const prompt = str(p, 'prompt') ?? defaultPrompt(tok, tok instanceof CharTokenizer ? tok.chars.join('') : 'a')
  let ids: number[]
  try {
    ids = tok.encode(prompt)
  } catch (e) {
    if (e instanceof VocabularyError) throw new VocabularyError(`the prompt cannot be encoded with the vocabulary of ${ckpt}: ${e.message.replace(/^char tokenizer: /, '')}`)
    throw e
  }
  if (ids.length === 0) throw new UsageError('--prompt encodes to no tokens: give some text')
  process.stderr.write(`${backendLine()}\n${note ? note + '\n' : ''}model: ${ckpt} (step ${run.meta.step}, ${(model.numParams() / 1e6).toFixed(2)}M parameters)\n\n`)
  process.stdout.write(prompt)
  const out: number[] = [...ids]
  let shown = tok.decode(out).length
  generate(model, ids, tokens, {
    temperature, topK, topP, seed, useCache: !bool(p, 'no-cache'),
    onToken: (_row, id) => {
      out.push(id)
      const text = tok.decode(out)
      if (!text.endsWith('\ufffd')) { process.stdout.write(text.slice(shown)); shown = text.length }
    },
  })
  const text = tok.decode(out)
  process.stdout.write(text.slice(shown) + '\n')
  return 0
}
