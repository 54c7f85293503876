// Every fast-check run in the tests is seeded (fc.assert(..., { seed })), so a
// property failure reproduces and a pass is the same pass on every machine.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** The source text of each `fc.assert(...)` / `fc.check(...)` call in s, with its line. */
function fastCheckCalls(s: string): { line: number, call: string }[] {
  const out: { line: number, call: string }[] = []
  for (const m of s.matchAll(/\bfc\.(assert|check)\(/g)) {
    let depth = 0, j = m.index + m[0].length - 1
    for (; j < s.length; j++) {
      if (s[j] === '(') depth++
      else if (s[j] === ')' && --depth === 0) break
    }
    out.push({ line: s.slice(0, m.index).split('\n').length, call: s.slice(m.index, j + 1) })
  }
  return out
}

it('finds calls and their options (the scanner itself)', () => {
  const calls = fastCheckCalls('x\nfc.assert(fc.property(a, (b) => f(b)), { seed: 3 })\nfc.check(p)')
  expect(calls.map((c) => [c.line, /seed/.test(c.call)])).toEqual([[2, true], [3, false]])
})

it('every fc.assert / fc.check in the tests passes a seed', () => {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'packages/*/test/*.ts', 'packages/*/test/**/*.ts', 'docs/*.ts', 'docs/**/*.ts', 'bench/src/*.ts'], { cwd: root, encoding: 'utf8' }).trim().split('\n')
  const unseeded: string[] = []
  let calls = 0
  for (const f of new Set(files)) {
    for (const c of fastCheckCalls(readFileSync(`${root}/${f}`, 'utf8'))) {
      calls++
      if (!/\bseed\s*:/.test(c.call)) unseeded.push(`${f}:${c.line}`)
    }
  }
  expect(calls).toBeGreaterThan(10)
  expect(unseeded).toEqual([])
})
