// Import cycles in the TypeScript sources: the graph of `import`/`export ... from`
// between files (relative paths, and `@adjoint/NAME` as packages/NAME/src/index.ts),
// its strongly connected components (Tarjan), each component of two or more files
// (or a file importing itself) a cycle. An import is a type import when it is
// `import type`/`export type`, or when every name it brings in is marked `type`
// (tsconfig's verbatimModuleSyntax makes those explicit); runtime cycles ignore them.
// `tsx scripts/import-cycles.ts` prints the cycles of the repository and exits 1 if any.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface ImportEdge {
  /** The importing file and the imported one (absolute paths). */
  from: string
  to: string
  /** Erased at compile time (import type, or type-only names). */
  typeOnly: boolean
}

const STATEMENT = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

/** The specifiers a file imports, each with whether it is type-only. */
export function importsOf(source: string): { specifier: string; typeOnly: boolean }[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1')
  const out: { specifier: string; typeOnly: boolean }[] = []
  for (const m of text.matchAll(STATEMENT)) {
    if (m[4] !== undefined) {
      const clause = m[3].trim()
      const braces = /^\{([\s\S]*)\}$/.exec(clause)
      const names = braces ? braces[1].split(',').map((s) => s.trim()).filter(Boolean) : null
      const allTypes = names !== null && names.length > 0 && names.every((n) => n.startsWith('type '))
      out.push({ specifier: m[4], typeOnly: Boolean(m[2]) || allTypes })
    } else out.push({ specifier: (m[5] ?? m[6])!, typeOnly: false })
  }
  return out
}

/** The file a specifier names, or null for an outside package (node:fs, vitest, ...). */
export function resolveImport(fromFile: string, specifier: string, packagesDir: string): string | null {
  let base: string
  if (specifier.startsWith('.')) base = resolve(dirname(fromFile), specifier)
  else {
    const m = /^@adjoint\/([^/]+)(\/.*)?$/.exec(specifier)
    if (!m) return null
    base = m[2] ? join(packagesDir, m[1], m[2]) : join(packagesDir, m[1], 'src/index')
  }
  const stem = base.replace(/\.(m?js|ts)$/, '')
  for (const c of [`${stem}.ts`, `${stem}.mts`, `${stem}.mjs`, `${stem}.js`, join(stem, 'index.ts')]) if (existsSync(c) && statSync(c).isFile()) return c
  return null
}

/** Every .ts/.mts file under dir (node_modules, dist and hidden folders skipped). */
export function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p))
    else if (/\.m?ts$/.test(name) && !name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

export function importGraph(files: readonly string[], packagesDir: string): ImportEdge[] {
  const edges: ImportEdge[] = []
  for (const from of files) {
    for (const { specifier, typeOnly } of importsOf(readFileSync(from, 'utf8'))) {
      const to = resolveImport(from, specifier, packagesDir)
      if (to !== null) edges.push({ from, to, typeOnly })
    }
  }
  return edges
}

/** The cycles of a graph: strongly connected components with more than one file, or a file importing itself. */
export function cycles(edges: readonly ImportEdge[], opts: { includeTypes: boolean }): string[][] {
  const next = new Map<string, string[]>()
  for (const e of edges) {
    if (e.typeOnly && !opts.includeTypes) continue
    if (!next.has(e.from)) next.set(e.from, [])
    next.get(e.from)!.push(e.to)
  }
  // Tarjan's algorithm, iterative (deep import chains must not overflow the stack)
  const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>()
  const stack: string[] = [], found: string[][] = []
  let counter = 0
  for (const root of next.keys()) {
    if (index.has(root)) continue
    const work: { node: string; i: number }[] = [{ node: root, i: 0 }]
    index.set(root, counter); low.set(root, counter++); stack.push(root); onStack.add(root)
    while (work.length > 0) {
      const top = work[work.length - 1]
      const succ = next.get(top.node) ?? []
      if (top.i < succ.length) {
        const w = succ[top.i++]
        if (!index.has(w)) {
          index.set(w, counter); low.set(w, counter++); stack.push(w); onStack.add(w)
          work.push({ node: w, i: 0 })
        } else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!))
        continue
      }
      work.pop()
      if (work.length > 0) { const parent = work[work.length - 1].node; low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!)) }
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = []
        let w: string
        do { w = stack.pop()!; onStack.delete(w); component.push(w) } while (w !== top.node)
        if (component.length > 1 || succ.includes(top.node)) found.push(component.sort())
      }
    }
  }
  return found
}

export interface CycleReport {
  /** Cycles through type imports too, in the folders checked strictly. */
  strict: string[][]
  /** Runtime cycles anywhere. */
  runtime: string[][]
}

/** Folders besides the packages whose TypeScript is checked for runtime cycles too. */
export const OTHER_DIRS = ['bench', 'docs', 'scripts']

/** The repository's cycles: runtime ones in every package (and OTHER_DIRS), type ones too under `strictDirs`. */
export function checkRepository(root: string, strictDirs: readonly string[]): CycleReport {
  const packagesDir = join(root, 'packages')
  const dirs = [...readdirSync(packagesDir).map((p) => join(packagesDir, p)), ...OTHER_DIRS.map((d) => join(root, d))]
  const files = dirs.flatMap((dir) => (existsSync(dir) && statSync(dir).isDirectory() ? sourceFiles(dir) : []))
  const edges = importGraph(files, packagesDir)
  const inStrict = (f: string) => strictDirs.some((d) => f.startsWith(join(root, d) + '/'))
  return {
    strict: cycles(edges.filter((e) => inStrict(e.from) && inStrict(e.to)), { includeTypes: true }),
    runtime: cycles(edges, { includeTypes: false }),
  }
}

/** Folders where even type-only cycles are refused. */
export const STRICT_DIRS = ['packages/models/src']

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  const r = checkRepository(root, STRICT_DIRS)
  const show = (c: string[]) => c.map((f) => relative(root, f)).join(' <-> ')
  for (const c of r.strict) console.log(`import cycle (type imports included): ${show(c)}`)
  for (const c of r.runtime) console.log(`runtime import cycle: ${show(c)}`)
  console.log(r.strict.length + r.runtime.length === 0 ? 'no import cycles' : `${r.strict.length + r.runtime.length} import cycles`)
  process.exitCode = r.strict.length + r.runtime.length === 0 ? 0 : 1
}
