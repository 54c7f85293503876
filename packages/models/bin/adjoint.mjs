#!/usr/bin/env node
// The `adjoint` command: runs the built CLI (dist/cli/main.js) on plain node.
// In the monorepo, dist/ is built by `pnpm install` (and `pnpm build`).
import { existsSync } from 'node:fs'

const main = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(main)) {
  process.stderr.write(`adjoint: ${main.pathname} is missing: run \`pnpm build\` in the adjoint repository (or reinstall @adjoint/models)\n`)
  process.exit(1)
}
await import(main.href)
