// adjoint finetune: a trained GPT, BERT or T5 checkpoint -> a classifier for a
// built-in task or the user's labelled file.
import { FINETUNABLE_KINDS } from '../registry.js'
import { finetuneRun } from '../runs.js'
import { FINETUNE_TASKS } from '../train/finetune.js'
import { UsageError, bool, helpText, int, num, oneOf, parse, str, type Flags } from './args.js'
import { announceBackend } from './backend.js'
import { runStoppable } from './stop-signals.js'
import { terminalUI } from './ui.js'

const flags: Flags = {
  ckpt: { type: 'string', help: 'DIR: the pretrained GPT, BERT or T5 run (runs/NAME), or a Hugging Face gpt2 / bert / t5 folder' },
  model: { type: 'string', help: `KIND: ${FINETUNABLE_KINDS.join(' | ')} (default: the checkpoint's)` },
  task: { type: 'string', help: "NAME: brown-3 (a passage's genre: news, learned or romance; quick) | brown-genre (all 15 genres)" },
  data: { type: 'string', help: 'FILE: your labelled texts: CSV with a header row (columns text, label) or JSONL ({"text": ..., "label": ...}); labels are any strings' },
  'text-col': { type: 'string', help: 'NAME: the CSV column / JSONL field holding the text (default text)' },
  'label-col': { type: 'string', help: 'NAME: the CSV column / JSONL field holding the label (default label)' },
  val: { type: 'string', help: 'FILE: held-out examples (same format as --data)' },
  'val-fraction': { type: 'string', help: 'F: without --val, the fraction of each class held out (default 0.2)' },
  'compare-scratch': { type: 'boolean', help: 'also fine-tune the same classifier from a random initialisation (same steps and batches) and compare the accuracies' },
  steps: { type: 'string', help: 'N: optimizer steps (default 300)' },
  batch: { type: 'string', help: 'B: passages per step (default 32)' },
  lr: { type: 'string', help: 'LR: peak learning rate (default 5e-4, BERT 2e-3, T5 1e-3, 3e-3 with --probe)' },
  block: { type: 'string', help: "T: passage length in tokens (default: the model's block size); a longer text keeps its last T tokens for GPT (the head reads the last token), its first for BERT" },
  probe: { type: 'boolean', help: 'freeze the decoder (BERT: the encoder) and train only the new head (linear probe); T5 (no new head) trains its decoder on a frozen encoder' },
  seed: { type: 'string', help: 'N: random seed' },
  threads: { type: 'string', help: 'N: threads for the native kernels' },
  out: { type: 'string', help: 'DIR: where to save the classifier (default CKPT-TASK, or CKPT-NAME for --data NAME.csv)' },
}

export async function finetuneCommand(argv: string[]): Promise<number> {
  const p = parse('finetune', argv, flags)
  if (bool(p, 'help')) { process.stdout.write(helpText('finetune', 'Fine-tunes a GPT, BERT or T5 checkpoint (from adjoint train) as a classifier (a new head on the last real token / the [CLS] state; T5 writes the label as text) on a built-in task or your labelled file, and reports held-out accuracy against the majority-class baseline. Then: adjoint classify --ckpt OUT --text "...".', flags)); return 0 }
  const ckpt = str(p, 'ckpt')
  if (!ckpt) throw new UsageError('--ckpt DIR is required (a run directory written by adjoint train)')
  const task = oneOf(p, 'task', FINETUNE_TASKS), data = str(p, 'data')
  if (!task && !data) throw new UsageError(`--task (${FINETUNE_TASKS.join(' | ')}) or --data FILE is required`)
  const opts = {
    ckpt, task, data, val: str(p, 'val'), valFraction: num(p, 'val-fraction', { min: 0, max: 1, exclusiveMin: true }),
    columns: { textCol: str(p, 'text-col'), labelCol: str(p, 'label-col') }, compareScratch: bool(p, 'compare-scratch'), model: oneOf(p, 'model', FINETUNABLE_KINDS), steps: int(p, 'steps'), batchSize: int(p, 'batch'), lr: num(p, 'lr', { min: 0, exclusiveMin: true }),
    block: int(p, 'block', { min: 1 }), probe: bool(p, 'probe'), seed: int(p, 'seed', { min: 0 }), out: str(p, 'out'),
  }
  announceBackend(int(p, 'threads', { max: 256 }))
  return runStoppable('stopping after this step: evaluating and saving the classifier', (shouldStop) => finetuneRun({ ...opts, ui: terminalUI(), shouldStop }))
}
