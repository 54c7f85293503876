// `install` lifecycle script of @adjoint/native (run by `pnpm install`), also
// `pnpm build:native`. Builds build/Release/adjoint_native.node with node-gyp,
// but NEVER fails the install unless ADJOINT_NATIVE_REQUIRED=1: without a
// compiler the pure-TS kernels are used instead.
//   ADJOINT_SKIP_NATIVE=1   skip the build
//   ADJOINT_BLAS=0|1        never use OpenBLAS | require it
//   ADJOINT_JOBS=N          parallel compile jobs (default: all cores)
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const required = process.env.ADJOINT_NATIVE_REQUIRED === '1'

if (process.env.ADJOINT_SKIP_NATIVE === '1') {
  console.log('[native] ADJOINT_SKIP_NATIVE=1: skipping native build')
  process.exit(0)
}

// 1. Which node-gyp: a node-gyp dependency if one is added, else the one the
//    package manager names, else npm's bundled copy (ships with Node), else PATH.
function nodeGypCmd() {
  try {
    const require = createRequire(join(pkgDir, 'package.json'))
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js')]
  } catch {}
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) {
    return [process.execPath, process.env.npm_config_node_gyp]
  }
  const npmGyp = join(dirname(dirname(process.execPath)), 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')
  if (existsSync(npmGyp)) return [process.execPath, npmGyp]
  return ['node-gyp']
}

// 2. Headers: build against the running Node's own headers when they are
//    installed (Debian's nodejs ships /usr/include/node), so node-gyp never
//    tries to download a header tarball (there is no network).
const args = ['rebuild']
const nodedir = process.env.npm_config_nodedir || dirname(dirname(process.execPath))
if (existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${nodedir}`)
args.push(`--jobs=${process.env.ADJOINT_JOBS ?? 'max'}`)

const [cmd, ...pre] = nodeGypCmd()
console.log(`[native] ${[cmd, ...pre, ...args].join(' ')}`)
const t0 = Date.now()
const r = spawnSync(cmd, [...pre, ...args], { cwd: pkgDir, stdio: 'inherit', env: process.env })
if (r.status === 0) {
  console.log(`[native] built build/Release/adjoint_native.node in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  process.exit(0)
}
const why = r.error ? r.error.message : `exit code ${r.status}`
if (required) {
  console.error(`[native] build failed (${why}) and ADJOINT_NATIVE_REQUIRED=1`)
  process.exit(1)
}
console.warn(`[native] WARNING: native build failed (${why}); falling back to the pure-TS kernels.`)
process.exit(0)
