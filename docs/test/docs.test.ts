// Runs every ```ts block of the docs (docs/**/*.md), so the docs cannot rot.
//
// Each block is a self-contained module: it is written to a temporary .ts file
// inside docs/ (so `import ... from '@adjoint/core'` resolves through
// docs/package.json) and imported. When a block is followed directly (only
// blank lines between) by a ```text, ```output, ```dot or ```mermaid block,
// that block is what the code must print with console.log, line for line.
// A block that is a vitest test file (it imports from 'vitest' and calls test()
// or it()) runs as one: all such blocks go to one child `vitest run`, and every
// test in them must pass.
// UPDATE_DOCS=1 pnpm vitest run docs/test/docs.test.ts rewrites those output blocks
// with what the code printed (review the diff before committing).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { format } from 'node:util'
import { spawnSync } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'

const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const OUTPUT_LANGS = new Set(['text', 'output', 'dot', 'mermaid'])

export interface Block {
  lang: string
  code: string
  /** 1-based line of the opening fence. */
  line: number
  /** 1-based line of the closing fence. */
  end: number
}

/** Fenced code blocks (``` fences, optional info string) of a markdown text. */
export function extractBlocks(md: string): Block[] {
  const lines = md.split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})\s*([\w-]*)/.exec(lines[i])
    if (!open) continue
    const fence = open[2]
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length && !lines[j].trimStart().startsWith(fence); j++) body.push(lines[j])
    blocks.push({ lang: open[3].toLowerCase(), code: body.join('\n'), line: i + 1, end: j + 1 })
    i = j
  }
  return blocks
}

/** Each ts block with the output block that directly follows it (if any). */
export function runnableBlocks(md: string): { block: Block, expected: Block | null }[] {
  const blocks = extractBlocks(md)
  const lines = md.split('\n')
  return blocks.flatMap((b, k) => {
    if (b.lang !== 'ts' && b.lang !== 'typescript') return []
    const next = blocks[k + 1]
    const adjacent = next && OUTPUT_LANGS.has(next.lang) && lines.slice(b.end, next.line - 1).every((l) => l.trim() === '')
    return [{ block: b, expected: adjacent ? next : null }]
  })
}

/** A vitest test file (imports vitest, declares tests): run by vitest, not imported. */
export function isVitestFile(code: string): boolean {
  return /from 'vitest'/.test(code) && /^\s*(test|it|describe)\(/m.test(code)
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.')) return []
    const p = join(dir, e.name)
    return e.isDirectory() ? markdownFiles(p) : e.name.endsWith('.md') ? [p] : []
  })
}

const normalize = (s: string) => s.split('\n').map((l) => l.trimEnd()).join('\n').trim()

mkdirSync(join(docsDir, '.doctest'), { recursive: true })
const tmp = mkdtempSync(join(docsDir, '.doctest', 'run-'))
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
  try { rmdirSync(join(docsDir, '.doctest')) } catch { /* another run is using it */ }
})

describe('extractBlocks', () => {
  it('finds fenced blocks with their language and lines, and pairs ts blocks with the output right after them', () => {
    const md = ['# t', '```ts', 'console.log(1)', '```', '', '```text', '1', '```', 'prose', '```ts', 'let a = 1', '```', 'more', '```text', 'x', '```'].join('\n')
    expect(extractBlocks(md).map((b) => [b.lang, b.line, b.end])).toEqual([['ts', 2, 4], ['text', 6, 8], ['ts', 10, 12], ['text', 14, 16]])
    expect(runnableBlocks(md).map((r) => r.expected?.code ?? null)).toEqual(['1', null])
  })
})

const files = markdownFiles(docsDir)

describe('docs code blocks type-check', () => {
  it('tsc accepts every ts block (as the strict project settings would)', () => {
    const dir = join(tmp, 'typecheck')
    mkdirSync(dir, { recursive: true })
    for (const file of files) {
      const rel = relative(docsDir, file)
      for (const { block } of runnableBlocks(readFileSync(file, 'utf8'))) {
        writeFileSync(join(dir, `${rel.replace(/[\\/]/g, '_').replace(/\.md$/, '')}-L${block.line}.ts`), `${block.code}\n\nexport {}\n`)
      }
    }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: relative(dir, join(docsDir, '..', 'tsconfig.json')), include: ['./*.ts'] }))
    const tsc = join(docsDir, '..', 'node_modules', 'typescript', 'bin', 'tsc')
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', dir], { encoding: 'utf8' })
    // file names in the messages are <doc>-L<line of the block's opening fence>.ts
    expect((r.stdout + r.stderr).trim()).toBe('')
    expect(r.status).toBe(0)
  }, 60_000)
})

describe('docs code blocks', () => {
  it('the docs have runnable examples', () => {
    const n = files.reduce((acc, f) => acc + runnableBlocks(readFileSync(f, 'utf8')).length, 0)
    expect(n).toBeGreaterThan(20)
  })

  for (const file of files) {
    const rel = relative(docsDir, file)
    const runnable = runnableBlocks(readFileSync(file, 'utf8'))
    if (runnable.length === 0) continue
    describe(rel, () => {
      const updates: { from: number, to: number, text: string }[] = []
      afterAll(() => {
        if (process.env.UPDATE_DOCS !== '1' || updates.length === 0) return
        const lines = readFileSync(file, 'utf8').split('\n')
        for (const u of updates.sort((a, b) => b.from - a.from)) lines.splice(u.from, u.to - u.from, ...u.text.split('\n'))
        writeFileSync(file, lines.join('\n'))
      })
      for (const { block, expected } of runnable) {
        if (isVitestFile(block.code)) continue
        it(`${rel}:${block.line}`, async () => {
          const path = join(tmp, `${rel.replace(/[\\/]/g, '_').replace(/\.md$/, '')}-L${block.line}.ts`)
          writeFileSync(path, `${block.code}\n\nexport {}\n`)
          const printed: string[] = []
          const original = console.log
          console.log = (...args: unknown[]) => { printed.push(format(...args)) }
          try {
            await import(pathToFileURL(path).href)
          } finally {
            console.log = original
          }
          if (expected === null) return
          const got = normalize(printed.join('\n'))
          if (process.env.UPDATE_DOCS === '1') updates.push({ from: expected.line, to: expected.end - 1, text: got })
          else expect(got).toBe(normalize(expected.code))
        })
      }
    })
  }
})

describe('docs code blocks that are vitest test files', () => {
  const blocks = files.flatMap((file) => runnableBlocks(readFileSync(file, 'utf8'))
    .filter(({ block }) => isVitestFile(block.code))
    .map(({ block }) => ({ name: `${relative(docsDir, file).replace(/[\\/]/g, '_').replace(/\.md$/, '')}-L${block.line}.test.ts`, code: block.code })))

  it('there are some (docs/testing-gradients.md shows the matcher in test files)', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2)
  })

  it('each passes under vitest, as a user runs it', () => {
    const dir = join(tmp, 'vitest')
    mkdirSync(dir, { recursive: true })
    for (const b of blocks) writeFileSync(join(dir, b.name), `${b.code}\n`)
    // the .ts sources of @adjoint/* (the "source" export condition), like the suite itself
    writeFileSync(join(dir, 'vitest.config.mjs'), [
      "import { defaultServerConditions } from 'vite'",
      "export default { ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } }, test: { include: ['*.test.ts'], reporters: ['json'] } }",
    ].join('\n'))
    const vitest = join(docsDir, '..', 'node_modules', 'vitest', 'vitest.mjs')
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^VITEST/.test(k)))
    const r = spawnSync(process.execPath, [vitest, 'run', '--root', dir], { cwd: dir, env, encoding: 'utf8' })
    const report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { numTotalTests: number, numPassedTests: number, testResults: { name: string, assertionResults: { fullName: string, status: string, failureMessages: string[] }[] }[] }
    const failed = report.testResults.flatMap((f) => f.assertionResults.filter((t) => t.status !== 'passed').map((t) => `${f.name} > ${t.fullName}: ${t.status} ${t.failureMessages.join('\n')}`))
    expect(failed).toEqual([])
    expect(report.testResults.map((f) => f.name.split(/[\\/]/).at(-1)).sort()).toEqual(blocks.map((b) => b.name).sort())
    expect(report.numPassedTests).toBe(report.numTotalTests)
    expect(report.numPassedTests).toBeGreaterThanOrEqual(blocks.length)
    expect(r.status).toBe(0)
  }, 120_000)
})
