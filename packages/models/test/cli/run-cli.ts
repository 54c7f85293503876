// The CLI as a user runs it, for the CLI tests: spawned through tsx, checked by
// exit code and message; callbacks see the output as it arrives. Tests wait for
// output markers (never a fixed delay) and check stderr for what matters: no
// error, warning or stack trace, and no line the test did not expect, while lines
// a child process may print that the CLI did not cause (a debugger attaching through
// NODE_OPTIONS, Node's notices about experimental flags) are let through.
import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
export const cli = join(root, 'packages/models/src/cli/main.ts')

export interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
export interface Output { stdout: string; stderr: string }

// tsx by absolute URL, so the CLI can run from any directory (cwd)
const tsx = import.meta.resolve('tsx')

export interface RunOptions {
  /** Sees the output so far each time either stream grows; may signal the child. */
  onOutput?: (out: Output, child: ChildProcess) => void
  /** Piped to stdin (else stdin is closed). */
  input?: string
  /** Added to the environment (npm_lifecycle_event is cleared: the CLI is not started by a pnpm script). */
  env?: Record<string, string>
  /** Working directory (default: the repository root). */
  cwd?: string
}

/** Runs `node --import tsx SCRIPT ARGS`: the CLI's main.ts unless `script` names a fixture. */
export function runScript(script: string, args: string[], opts: RunOptions = {}): Promise<Run> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ['--import', tsx, script, ...args], { cwd: opts.cwd ?? root, env: { ...process.env, ADJOINT_DEBUG: '', npm_lifecycle_event: '', ...opts.env }, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    if (opts.input !== undefined) child.stdin!.end(opts.input)
    const out: Output = { stdout: '', stderr: '' }
    child.stdout!.on('data', (d) => { out.stdout += d; opts.onOutput?.(out, child) })
    child.stderr!.on('data', (d) => { out.stderr += d; opts.onOutput?.(out, child) })
    child.on('close', (code, signal) => resolvePromise({ code, signal, ...out }))
  })
}

/** Runs `adjoint ARGS` (from the repository root unless `cwd`). */
export function runCli(args: string[], opts: RunOptions = {}): Promise<Run> {
  return runScript(cli, args, opts)
}

/**
 * Runs each `adjoint ARGS` of the list, two at a time (the machine's cores: more would
 * only make each slower and the test's time limit a race), results in the list's order.
 */
export async function runClis(list: Array<[string[], RunOptions?]>): Promise<Run[]> {
  const results: Run[] = new Array(list.length)
  let next = 0
  const lane = async () => {
    while (next < list.length) {
      const i = next++
      results[i] = await runCli(list[i][0], list[i][1])
    }
  }
  await Promise.all([lane(), lane()])
  return results
}

/** `onOutput` that sends `signal` once, when `marker` first appears in stdout or stderr. */
export function signalOnMarker(marker: string, signal: NodeJS.Signals) {
  let sent = false
  return (out: Output, child: ChildProcess) => {
    if (!sent && (out.stdout + out.stderr).includes(marker)) { sent = true; child.kill(signal) }
  }
}

/** What `adjoint sample` writes to stderr: the backend and model lines before the text, the timing line after. */
export const SAMPLE_STDERR = [/^backend: /, /^model: /, /^timing: /]

/** stderr lines a child process may print that the CLI did not cause. */
const NOT_OURS = [
  /^Debugger listening on ws:\/\//, /^Debugger attached\.$/, /^Waiting for the debugger to disconnect\.\.\.$/, /^For help, see: https:\/\/nodejs\.org\/en\/docs\/inspector$/,
  /^\(node:\d+\) ExperimentalWarning: /, /^\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)$/,
]
/** Text that means trouble wherever it appears: an error, a warning, a stack frame, an uncaught exception or rejection. */
const TROUBLE = /error\b|warning\b|^\s+at |uncaught|unhandled/im

/**
 * stderr holds no error, warning or stack trace, and every line is either one the
 * test expects (`expected`: one pattern per kind of line, e.g. a note) or one the CLI
 * did not cause (NOT_OURS; an ExperimentalWarning is Node's notice about a flag).
 */
export function expectQuietStderr(r: Output, expected: RegExp[] = []) {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !NOT_OURS.some((re) => re.test(l)))
  expect(lines.filter((l) => TROUBLE.test(l)), 'error, warning or stack trace on stderr').toEqual([])
  expect(lines.filter((l) => !expected.some((re) => re.test(l))), 'stderr lines the test did not expect').toEqual([])
}

/** A one-line error: the message, no stack frames, nothing else wrong on stderr. */
export function expectCleanError(r: Run, code: number, message: RegExp) {
  expect(r.code).toBe(code)
  expect(r.stderr).toMatch(message)
  expect(r.stderr).not.toMatch(/^\s+at /m)
  expect(r.stderr).not.toMatch(/uncaught|unhandled|warning\b/i)
}
