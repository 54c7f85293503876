// The CLI as a user runs it, for the CLI tests: spawned through tsx, checked by
// exit code and message; callbacks see the output as it arrives.
import { spawn } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const cli = join(root, 'packages/models/src/cli/main.ts')

export interface Run { code: number | null; stdout: string; stderr: string }

// tsx by absolute URL, so the CLI can run from any directory (cwd)
const tsx = import.meta.resolve('tsx')

/** Runs `adjoint ARGS` (from the repository root unless `cwd`); `input` is piped to its stdin; `env` adds to the environment (npm_lifecycle_event is cleared: the CLI is not started by a pnpm script). */
export function runCli(args: string[], opts: { onStdout?: (text: string, child: ReturnType<typeof spawn>) => void; input?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ['--import', tsx, cli, ...args], { cwd: opts.cwd ?? root, env: { ...process.env, ADJOINT_DEBUG: '', npm_lifecycle_event: '', ...opts.env }, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    if (opts.input !== undefined) child.stdin!.end(opts.input)
    let stdout = '', stderr = ''
    child.stdout!.on('data', (d) => { stdout += d; opts.onStdout?.(stdout, child) })
    child.stderr!.on('data', (d) => { stderr += d })
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }))
  })
}

/** A one-line error: the message, no stack frames. */
export function expectCleanError(r: Run, code: number, message: RegExp) {
  expect(r.code).toBe(code)
  expect(r.stderr).toMatch(message)
  expect(r.stderr).not.toMatch(/^\s+at /m)
}
