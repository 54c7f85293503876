// The adjoint CLI: `adjoint train | sample | finetune | export`. Every expected failure
// (bad flags, missing data, a checkpoint that does not fit) ends with a one-line
// message and a non-zero exit code, never a stack trace.
import { AdjointError } from '@adjoint/core'
import { UsageError } from './args.js'

// each command's module is loaded when it runs: `adjoint train` does not carry the others' code (~1 MB of RSS)
const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  train: async (argv) => (await import('./train.js')).trainCommand(argv),
  sample: async (argv) => (await import('./sample.js')).sampleCommand(argv),
  finetune: async (argv) => (await import('./finetune.js')).finetuneCommand(argv),
  classify: async (argv) => (await import('./classify.js')).classifyCommand(argv),
  export: async (argv) => (await import('./export.js')).exportCommand(argv),
}

/**
 * How the user can ask for help: `pnpm train --help` when the CLI was started by
 * the repository's script of that name (pnpm sets npm_lifecycle_event), else `adjoint train --help`.
 */
export function helpCommand(cmd: string): string {
  const script = process.env.npm_lifecycle_event
  if (script && Object.prototype.hasOwnProperty.call(COMMANDS, script) && (cmd === script || cmd === '<command>')) return `pnpm ${cmd} --help`
  return `adjoint ${cmd} --help`
}

const USAGE = `usage: adjoint <command> [options]

commands:
  train       train a GPT, BERT or T5 (--model; default: the tiny GPT on the Brown corpus)
  sample      generate text from a checkpoint (T5: fill <extra_id_N> spans, BERT: fill [MASK]s)
  finetune    fine-tune a trained GPT, BERT or T5 as a classifier (--task brown-3, or --data FILE.csv/.jsonl)
  classify    label texts with a classifier from finetune (--ckpt DIR --text "...", or lines on stdin)
  export      write a checkpoint as a Hugging Face model folder (--format hf --out DIR)

--ckpt takes a run directory or a Hugging Face folder (docs/huggingface.md).

Run '${helpCommand('<command>')}' for a command's options.
`

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE)
    return cmd === undefined ? 2 : 0
  }
  const run = COMMANDS[cmd]
  if (!run) {
    process.stderr.write(`adjoint: unknown command ${JSON.stringify(cmd)}\n\n${USAGE}`)
    return 2
  }
  try {
    return await run(rest)
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`adjoint ${cmd}: ${e.message}\nRun '${helpCommand(cmd)}' for the options.\n`)
      return 2
    }
    if (e instanceof AdjointError) {
      process.stderr.write(`adjoint ${cmd}: error: ${e.message}\n`)
      return 1
    }
    const err = e as Error
    process.stderr.write(`adjoint ${cmd}: unexpected error: ${err?.message ?? String(e)}\n`)
    if (process.env.ADJOINT_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`)
    else process.stderr.write('(set ADJOINT_DEBUG=1 to see the stack trace)\n')
    return 1
  }
}

const code = await main(process.argv.slice(2))
process.exitCode = code
