// adjoint export: a run's checkpoint as a Hugging Face model folder, which
// transformers' from_pretrained loads as is (docs/huggingface.md).
import { CheckpointError } from '../errors.js'
import { HUGGING_FACE_KINDS, saveHuggingFace } from '../hf/index.js'
import { openRun } from '../runs.js'
import { loadRunWeights } from '../train/checkpoint.js'
import { UsageError, bool, helpText, oneOf, parse, str, type Flags } from './args.js'

const flags: Flags = {
  ckpt: { type: 'string', help: 'DIR: the run directory (runs/NAME), its checkpoint/ folder, or a Hugging Face folder' },
  format: { type: 'string', help: 'FORMAT: hf (a Hugging Face model folder; the only format)' },
  out: { type: 'string', help: 'DIR: the folder to write (written whole, then renamed into place)' },
  force: { type: 'boolean', help: 'replace --out if it exists and is not empty' },
}

const SUMMARY = `Writes a GPT, BERT or T5 checkpoint as a Hugging Face folder: config.json (gpt2 / bert / t5),
model.safetensors in Hugging Face's layout, and the tokenizer files (a char-level tokenizer has no
Hugging Face equivalent: its characters go to adjoint_tokenizer.json).`

export async function exportCommand(argv: string[]): Promise<number> {
  const p = parse('export', argv, flags)
  if (bool(p, 'help')) { process.stdout.write(helpText('export', SUMMARY, flags)); return 0 }
  const ckpt = str(p, 'ckpt'), out = str(p, 'out')
  if (!ckpt) throw new UsageError('--ckpt DIR is required (e.g. --ckpt runs/tiny-brown)')
  if (!out) throw new UsageError('--out DIR is required (the Hugging Face folder to write)')
  oneOf(p, 'format', ['hf'] as const)
  const run = openRun(ckpt)
  const kind = HUGGING_FACE_KINDS.find((k) => k.kind === run.meta.kind)
  if (!kind) throw new CheckpointError(`${run.dir} holds a "${run.meta.kind}" model, which has no Hugging Face export (${HUGGING_FACE_KINDS.map((k) => k.kind).join(', ')} do; export the pretrained run a classifier started from)`)
  const model = kind.build(run.meta.model)
  loadRunWeights(run, model)
  const r = saveHuggingFace(model, run.tokenizer, out, { overwrite: bool(p, 'force') })
  for (const n of r.notes) process.stderr.write(`note: ${n}\n`)
  process.stdout.write(`wrote ${out}: ${r.files.join(', ')} (model_type ${kind.modelType})\n`)
  return 0
}
