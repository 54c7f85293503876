// Every public (runtime) export of each package is used by at least one test
// file: an export no test touches is API nobody checks.
import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const testFiles = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'packages/*/test/**/*.ts', 'packages/*/test/*.ts', 'docs/**/*.ts', 'docs/*.md'], { cwd: root, encoding: 'utf8' })
  .trim().split('\n').filter((f) => f && !f.includes('/fixtures/'))
const words = new Set<string>()
for (const f of testFiles) for (const w of readFileSync(`${root}/${f}`, 'utf8').match(/[A-Za-z_$][\w$]*/g) ?? []) words.add(w)

const packages: [string, () => Promise<Record<string, unknown>>][] = [
  ['@adjoint/core', () => import('../../packages/core/src/index.js')],
  ['@adjoint/core/testing', () => import('../../packages/core/src/testing/index.js')],
  ['@adjoint/nn', () => import('../../packages/nn/src/index.js')],
  ['@adjoint/models', () => import('../../packages/models/src/index.js')],
  ['@adjoint/native', () => import('../../packages/native/src/index.js')],
]

// Exports no test file named when this test was written (#19: the gap it
// closes). Remove names as tests come; never add one: a new export comes with a
// test. (A listed name that a test now uses does not fail, so that landing a
// test never breaks this one.)
const notYetTested: Record<string, string[]> = {
}

describe('public exports used by the tests', () => {
  it('the scan sees the test files', () => {
    expect(testFiles.length).toBeGreaterThan(50)
    expect(words.has('expect')).toBe(true)
  })

  it.each(packages)('%s', async (name, load) => {
    const exported = Object.keys(await load()).filter((k) => k !== 'default')
    expect(exported.length).toBeGreaterThan(0)
    const known = notYetTested[name] ?? []
    expect(exported.filter((k) => !words.has(k) && !known.includes(k)).sort(), 'exports no test uses').toEqual([])
  })
})
