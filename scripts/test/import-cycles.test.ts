// The import-cycle check: it parses imports as TypeScript writes them, finds
// cycles (and tells type-only ones apart), fails on a repository with a cycle,
// and passes on this one. Model folders import shared folders, never each other.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { STRICT_DIRS, checkRepository, cycles, importGraph, importsOf, sourceFiles, type ImportEdge } from '../import-cycles.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** A throw-away repository: packages/<path> = source. */
function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-cycles-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, 'packages', path)), { recursive: true })
    writeFileSync(join(dir, 'packages', path), text)
  }
  return dir
}

describe('importsOf', () => {
  it('finds imports, re-exports, side-effect and dynamic imports, and which are type-only', () => {
    const src = [
      "import { a, type B } from './a.js'",
      "import type { C } from './c.js'",
      "import { type D, type E } from './d.js'",
      "export { f } from './f.js'",
      "export type { G } from './g.js'",
      "export * from './h.js'",
      "import '@adjoint/native'",
      "const m = await import('./lazy.js')",
      "import {\n  x,\n  y,\n} from './multi.js'",
      "// import { z } from './commented.js'",
      "/* import { w } from './block.js' */",
    ].join('\n')
    expect(importsOf(src)).toEqual([
      { specifier: './a.js', typeOnly: false },
      { specifier: './c.js', typeOnly: true },
      { specifier: './d.js', typeOnly: true },
      { specifier: './f.js', typeOnly: false },
      { specifier: './g.js', typeOnly: true },
      { specifier: './h.js', typeOnly: false },
      { specifier: '@adjoint/native', typeOnly: false },
      { specifier: './lazy.js', typeOnly: false },
      { specifier: './multi.js', typeOnly: false },
    ])
  })
})

describe('cycles', () => {
  const e = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, typeOnly })
  it('reports each strongly connected component, and a file importing itself', () => {
    const found = cycles([e('a', 'b'), e('b', 'c'), e('c', 'a'), e('c', 'd'), e('d', 'd'), e('x', 'y')], { includeTypes: true })
    expect(found).toEqual([['d'], ['a', 'b', 'c']])
  })
  it('ignores type-only edges for runtime cycles, not for strict ones', () => {
    const edges = [e('model', 'generate'), e('generate', 'model', true)]
    expect(cycles(edges, { includeTypes: false })).toEqual([])
    expect(cycles(edges, { includeTypes: true })).toEqual([['generate', 'model']])
  })
  it('handles long chains without recursion', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => e(`f${i}`, `f${i + 1}`))
    expect(cycles(chain, { includeTypes: true })).toEqual([])
    expect(cycles([...chain, e('f20000', 'f0')], { includeTypes: true })[0]).toHaveLength(20_001)
  })
})

describe('checkRepository', () => {
  it('fails on a repository with a type cycle in models and a runtime cycle across packages', () => {
    const dir = repo({
      'models/src/gpt/model.ts': "import { generate } from '../generate.js'\nexport class GPT {}\n",
      'models/src/generate.ts': "import type { GPT } from './gpt/model.js'\nexport function generate(m: GPT) { return m }\n",
      'core/src/index.ts': "export * from './ops.js'\n",
      'core/src/ops.ts': "import { helper } from '@adjoint/nn'\nexport const op = helper\n",
      'nn/src/index.ts': "import { op } from '@adjoint/core'\nexport const helper = 1\nexport const again = op\n",
    })
    const r = checkRepository(dir, STRICT_DIRS)
    expect(r.strict.map((c) => c.map((f) => f.slice(dir.length)))).toEqual([['/packages/models/src/generate.ts', '/packages/models/src/gpt/model.ts']])
    expect(r.runtime.map((c) => c.map((f) => f.slice(dir.length)))).toEqual([['/packages/core/src/index.ts', '/packages/core/src/ops.ts', '/packages/nn/src/index.ts']])
  })

  it('finds no cycle in this repository (type imports included in packages/models)', () => {
    const r = checkRepository(root, STRICT_DIRS)
    expect(r.strict).toEqual([])
    expect(r.runtime).toEqual([])
  })
})

describe('packages/models layout', () => {
  it('a model folder imports shared folders, never another model folder', () => {
    const models = ['gpt', 'bert', 't5']
    const src = join(root, 'packages/models/src')
    const folderOf = (f: string) => (f.startsWith(src + '/') ? f.slice(src.length + 1).split('/')[0] : null)
    const crossing = importGraph(sourceFiles(src), join(root, 'packages'))
      .filter((edge) => models.includes(folderOf(edge.from)!) && models.includes(folderOf(edge.to)!) && folderOf(edge.from) !== folderOf(edge.to))
      .map((edge) => `${edge.from.slice(src.length + 1)} -> ${edge.to.slice(src.length + 1)}`)
    expect(crossing).toEqual([])
  })
})
