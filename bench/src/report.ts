// Writes one bench's results into docs/benchmarks.md between its own markers,
// leaving the other sections alone; the machine is noted with every section.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const docPath = join(dirname(fileURLToPath(import.meta.url)), '../../docs/benchmarks.md')

export function machine(): string {
  const c = cpus()
  return `${c[0]?.model ?? 'unknown CPU'}, ${c.length} logical cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`
}

/**
 * Every bench's command line: `--help` prints `usage` and exits; `--write` lets
 * the bench update docs/benchmarks.md (and its figures), which it otherwise
 * leaves alone, printing its results only. Returns the other arguments.
 */
export function benchArgs(usage: string): string[] {
  const args = process.argv.slice(2)
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`${usage.trim()}\n\n  --write  update docs/benchmarks.md with the results (default: print them only)\n  --help   this text`)
    process.exit(0)
  }
  return args.filter((a) => a !== '--write')
}

/** Did the command line ask to update the tracked docs (--write)? */
export function writeRequested(): boolean {
  return process.argv.slice(2).includes('--write')
}

/** Replaces this bench's section of docs/benchmarks.md, only with --write (else says how). */
export function writeSection(name: string, markdown: string): void {
  if (!writeRequested()) {
    console.log(`(docs/benchmarks.md left unchanged: pass --write to record section "${name}")`)
    return
  }
  const begin = `<!-- begin:${name} -->`, end = `<!-- end:${name} -->`
  let doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n\nEvery figure here is printed by a file in `bench/src` and written by it into this page, with the machine it ran on.\n'
  const block = `${begin}\n${markdown.trim()}\n${end}`
  const i = doc.indexOf(begin), j = doc.indexOf(end)
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`
  const tmp = `${docPath}.tmp`
  writeFileSync(tmp, doc)
  renameSync(tmp, docPath)
}

/** Mean seconds per call of fn, timed by benchmark.js. */
export async function timeIt(name: string, fn: () => void, maxTime = 1): Promise<number> {
  const { default: Benchmark } = await import('benchmark')
  return new Promise((resolve, reject) => {
    const b = new Benchmark(name, fn, { maxTime, minSamples: 5, initCount: 1 })
    b.on('complete', () => (b.error ? reject(b.error) : resolve(b.stats.mean)))
    b.run({ async: false })
  })
}
