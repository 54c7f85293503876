// The CLI tests' stderr check: it must fail on trouble and on lines no test expects,
// and pass lines a child process prints that the CLI did not cause.
import { describe, expect, it } from 'vitest'
import { expectCleanError, expectQuietStderr } from './run-cli.js'

const out = (stderr: string) => ({ stdout: '', stderr })

describe('expectQuietStderr', () => {
  it('passes an empty stderr, expected lines, and a debugger or an experimental-flag notice', () => {
    expectQuietStderr(out(''))
    expectQuietStderr(out('\nnote: using the old checkpoint\ntiming: 3 ms\n'), [/^note: /, /^timing: /])
    expectQuietStderr(out('Debugger attached.\n(node:123) ExperimentalWarning: --experimental-loader may be removed\n(Use `node --trace-warnings ...` to show where the warning was created)\nWaiting for the debugger to disconnect...\n'))
  })

  it('fails on an error, a warning, a stack frame, or a line the test did not expect', () => {
    for (const [stderr, expected] of [
      ['adjoint train: error: boom\n', [/^adjoint /]],
      ['(node:77) Warning: something\n', []],
      ['(node:77) [DEP0005] DeprecationWarning: Buffer() is deprecated\n', [/^\(node/]],
      ['note: fine\n    at main (main.ts:3:1)\n', [/^note: /, /at main/]],
      ['Uncaught RangeError: Invalid array length\n', [/./]],
      ['note: fine\nsomething else\n', [/^note: /]],
    ] as Array<[string, RegExp[]]>) {
      expect(() => expectQuietStderr(out(stderr), expected), stderr).toThrow()
    }
  })
})

describe('expectCleanError', () => {
  it('wants the exit code and the message, and no stack frame or warning with it', () => {
    const run = { code: 2, signal: null, stdout: '', stderr: "adjoint train: --steps must be an integer\nRun 'adjoint train --help' for the options.\n" }
    expectCleanError(run, 2, /--steps must be an integer/)
    expect(() => expectCleanError(run, 1, /--steps/)).toThrow()
    expect(() => expectCleanError({ ...run, stderr: run.stderr + '    at parse (args.ts:1:1)\n' }, 2, /--steps/)).toThrow()
    expect(() => expectCleanError({ ...run, stderr: run.stderr + '(node:1) Warning: x\n' }, 2, /--steps/)).toThrow()
  })
})
