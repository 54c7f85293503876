// The packages as a user gets them: `pnpm pack` each one, install the tarballs
// with npm into a fresh project in a temp folder (no workspace links), then with
// plain node: train a GPT for 5 steps, reload its checkpoint, gradcheck
// (fixtures/consumer/program.ts, type-checked first under the strictest compiler
// options, node16 and bundler resolution, along with a program naming every
// public export); a vitest file using toHaveCorrectGradients and the fast-check
// arbitraries; `npx adjoint --help`. @adjoint/native builds from the sources in
// its tarball during the npm install; rebuilt without a compiler, it fails without
// failing the install, and the program runs on core's TypeScript kernels.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const PACKAGES = ['core', 'nn', 'native', 'models'] as const
/** Entry points a user can import, per package (the "exports" map, without ./package.json). */
const ENTRIES = ['@adjoint/core', '@adjoint/core/testing', '@adjoint/core/testing/vitest', '@adjoint/nn', '@adjoint/native', '@adjoint/models']
const tsc = join(root, 'node_modules/typescript/bin/tsc')

// The children see none of this test run's settings: no --conditions=source (that
// would point node at the .ts sources the tarballs also ship), no vitest or pnpm variables.
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  !/^(VITEST|npm_|PNPM|NODE_OPTIONS$|TEST$|NODE_ENV$|FORCE_COLOR$)/i.test(k)).concat([['NO_COLOR', '1']]))

function sh(cmd: string, args: string[], cwd: string, timeout = 300_000): SpawnSyncReturns<string> {
  const t0 = performance.now()
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 << 20 })
  console.log(`${cmd} ${args.slice(0, 2).join(' ')}: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed with ${r.error?.message ?? `exit code ${r.status}`}:\n${r.stdout}\n${r.stderr}`)
  return r
}

describe('packed tarballs installed with npm in a fresh project', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-consumer-'))
  const tarballs: Record<string, string> = {}
  let install: SpawnSyncReturns<string>

  beforeAll(() => {
    for (const p of PACKAGES) {
      sh('pnpm', ['pack', '--pack-destination', dir], join(root, 'packages', p))
      const file = readdirSync(dir).find((f) => f.startsWith(`adjoint-${p}-`) && f.endsWith('.tgz'))
      if (!file) throw new Error(`pnpm pack wrote no adjoint-${p}-*.tgz in ${dir}`)
      tarballs[`@adjoint/${p}`] = `file:./${file}`
    }
    cpSync(join(root, 'test/fixtures/consumer'), dir, { recursive: true })
    const dev = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies
    writeFileSync(join(dir, 'package.json'), JSON.stringify({
      name: 'adjoint-consumer', private: true, type: 'module',
      dependencies: tarballs,
      devDependencies: { '@types/node': dev['@types/node'], 'fast-check': dev['fast-check'], vite: dev.vite, vitest: dev.vitest },
      // every @adjoint/* dependency of a tarball is that tarball, never a registry package
      overrides: Object.fromEntries(Object.keys(tarballs).map((name) => [name, `$${name}`])),
    }, null, 2))
    install = sh('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts'], dir)
  }, 300_000)
  afterAll(() => { rmSync(dir, { recursive: true, force: true }) }, 60_000)

  it('each tarball holds dist (JS, .d.ts, maps), sources, LICENSE and package.json, and no tests or examples', () => {
    for (const p of PACKAGES) {
      const files = sh('tar', ['tzf', join(dir, tarballs[`@adjoint/${p}`]!.slice('file:./'.length))], dir).stdout.split('\n').filter(Boolean)
      expect(files).toContain('package/dist/index.js')
      expect(files).toContain('package/dist/index.d.ts')
      expect(files).toContain('package/dist/index.js.map')
      expect(files).toContain('package/src/index.ts')
      expect(files).toContain('package/LICENSE')
      expect(files.filter((f) => /\/(test|examples)\/|\.tsbuildinfo$|\.test\.ts$/.test(f))).toEqual([])
    }
  })

  it('@adjoint/native built its addon from the shipped sources during npm install', () => {
    expect(install.stdout + install.stderr).toMatch(/\[native\] built build\/Release\/adjoint_native\.node/)
  })

  it('the strictest tsconfig (node16 and bundler resolution) has no errors in adjoint or in a program using every public export', async () => {
    // every runtime export of every entry point, named in one program
    const lines = ['// generated by pack-install.test.ts']
    for (const [i, entry] of ENTRIES.entries()) {
      lines.push(`import * as m${i} from '${entry}'`)
      // the vitest entry extends vitest's expect as it loads: it runs inside vitest only
      if (entry.endsWith('/vitest')) { lines.push(`export const uses${i} = m${i}.installMatchers`); continue }
      const names = JSON.parse(sh('node', ['--input-type=module', '-e', `console.log(JSON.stringify(Object.keys(await import('${entry}'))))`], dir).stdout) as string[]
      expect(names.length).toBeGreaterThan(0)
      lines.push(`export const uses${i} = [${names.map((n) => `m${i}.${n}`).join(', ')}] as const`)
    }
    writeFileSync(join(dir, 'all-exports.ts'), lines.join('\n') + '\n')
    for (const config of ['tsconfig.node16.json', 'tsconfig.bundler.json']) {
      const r = spawnSync(process.execPath, [tsc, '-p', config, ...(config.includes('bundler') ? [] : ['--noEmit'])], { cwd: dir, env, encoding: 'utf8' })
      const errors = (r.stdout + r.stderr).split('\n').filter((l) => /error TS\d+/.test(l))
      const ours = errors.filter((l) => !/node_modules[\\/](?!@adjoint)/.test(l))
      expect(ours, `${config}:\n${errors.join('\n')}`).toEqual([])
      // another package's .d.ts (vitest's, node's) is not adjoint's to fix: said, not failed
      if (errors.length > 0) console.warn(`${config}: type errors outside adjoint:\n${errors.join('\n')}`)
      expect(r.error).toBeUndefined()
      expect(r.status === 0, `${config}: tsc exit code ${r.status}:\n${r.stdout}${r.stderr}`).toBe(errors.length === 0)
    }
  }, 120_000)

  /** Compiles and runs fixtures/consumer/program.ts with plain node; its JSON result line. */
  let compiled = false
  function runProgram(runDir: string, extraEnv: NodeJS.ProcessEnv = {}): Record<string, unknown> {
    if (!compiled) { sh(process.execPath, [tsc, '-p', 'tsconfig.node16.json'], dir); compiled = true }
    const r = spawnSync('node', ['out/program.js', runDir], { cwd: dir, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 120_000 })
    if (r.status !== 0) throw new Error(`node out/program.js failed (${r.error?.message ?? `exit code ${r.status}`}):\n${r.stdout}\n${r.stderr}`)
    const r2 = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>
    expect(r2.step).toBe(5)
    expect(r2.checkpointStep).toBe(5)
    expect(r2.trainLoss).toBeGreaterThan(0)
    expect(r2.reloadDiff).toBe(0)
    expect(r2.gradcheck).toBe(true)
    expect(r2.gradgradcheck).toBe(true)
    expect(r2.nnLoss).toBeGreaterThan(0)
    expect(r2.restoredKeys).toEqual(['fc.bias', 'fc.weight'])
    return r2
  }

  it('plain node runs the program: 5 GPT steps, checkpoint reloaded, gradcheck', () => {
    const r = runProgram('run')
    // the monorepo's CI builds the addon (ADJOINT_NATIVE_REQUIRED=1): so must the installed package
    if (process.env.ADJOINT_NATIVE_REQUIRED === '1') expect(r.nativeReason).toBe('')
    if (r.native !== null) expect(['openblas', 'builtin']).toContain(r.native)
  }, 120_000)

  it('vitest runs a test file using toHaveCorrectGradients and the fast-check arbitraries', () => {
    const r = sh('npx', ['vitest', 'run', 'gradients.test.ts'], dir, 120_000)
    expect(r.stdout).toMatch(/Tests\s+3 passed \(3\)/)
  }, 120_000)

  it('npx adjoint --help prints the usage (the bin runs on plain node)', () => {
    const r = sh('npx', ['adjoint', '--help'], dir)
    expect(r.stdout).toMatch(/^usage: adjoint <command> \[options\]/)
    expect(r.stdout).toMatch(/train +train a GPT, BERT or T5/)
    const train = sh('npx', ['adjoint', 'train', '--help'], dir)
    expect(train.stdout).toMatch(/--resume/)
  })

  // last: it breaks the installed addon
  it('without a C++ compiler the native build fails but the install does not, and the program runs on the TypeScript kernels', () => {
    const rebuild = spawnSync('npm', ['rebuild', '@adjoint/native', '--foreground-scripts'], {
      cwd: dir, encoding: 'utf8', timeout: 300_000, env: { ...env, CXX: '/nonexistent/g++', CC: '/nonexistent/gcc', ADJOINT_NATIVE_REQUIRED: '' },
    })
    expect(rebuild.status, `${rebuild.stdout}\n${rebuild.stderr}`).toBe(0)
    expect(rebuild.stdout + rebuild.stderr).toMatch(/\[native\] WARNING: native build failed .*falling back to the pure-TS kernels/)
    const r = runProgram('run-no-addon', { ADJOINT_NATIVE_REQUIRED: '' })
    expect(r.native).toBeNull()
    expect(r.nativeReason).toMatch(/cannot load/)
  }, 300_000)
})
