// adjoint classify: a classifier from adjoint finetune applied to texts given
// with --text (repeatable) or one per line on standard input; prints each
// text's most probable label and its probability.
import { createInterface } from 'node:readline'
import { openClassifier } from '../runs.js'
import { classifyTexts } from '../train/predict.js'
import { UsageError, bool, helpText, parse, str, type Flags } from './args.js'

const flags: Flags = {
  ckpt: { type: 'string', help: 'DIR: the classifier written by adjoint finetune (e.g. runs/tiny-brown-brown-3)' },
  text: { type: 'string', multiple: true, help: 'TEXT: a text to classify (repeatable; without it, one text per line of standard input)' },
  all: { type: 'boolean', help: "print every class's probability, not only the most probable one" },
}

async function stdinLines(): Promise<string[]> {
  const lines: string[] = []
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) if (line.trim() !== '') lines.push(line)
  return lines
}

export async function classifyCommand(argv: string[]): Promise<number> {
  const p = parse('classify', argv, flags)
  if (bool(p, 'help')) { process.stdout.write(helpText('classify', 'Prints the most probable label of each text and its probability, tab-separated: label, probability, text.', flags)); return 0 }
  const ckpt = str(p, 'ckpt')
  if (!ckpt) throw new UsageError('--ckpt DIR is required (a classifier written by adjoint finetune)')
  const given = p.values.text as string[] | undefined
  if (given?.some((t) => t.trim() === '')) throw new UsageError('--text needs a non-empty value')
  const clf = openClassifier(ckpt)
  const texts = given && given.length > 0 ? given : await stdinLines()
  if (texts.length === 0) throw new UsageError('no text to classify: pass --text "..." or lines on standard input')
  const labels = clf.run.meta.labels!
  classifyTexts(clf, texts).forEach((r, i) => {
    const probs = bool(p, 'all') ? '\t' + labels.map((l, k) => `${l}=${r.probabilities[k].toFixed(3)}`).join(' ') : ''
    process.stdout.write(`${r.label}\t${r.probability.toFixed(3)}${probs}\t${texts[i].replace(/\s+/g, ' ').slice(0, 80)}\n`)
  })
  return 0
}
