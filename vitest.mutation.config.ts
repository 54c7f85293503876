// The vitest config Stryker runs (stryker.config.mjs): core's tests on the pure-TS
// kernels (the code being mutated; no native setup file), no summary reporter.
// MUTATION_TESTS=a.test.ts,b.test.ts (names in packages/core/test) narrows the tests
// for a quick run on one file: every mutant then reruns only those.
import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

export default defineConfig({
  ...base,
  test: { ...base.test, include: process.env.MUTATION_TESTS ? process.env.MUTATION_TESTS.split(',').map((f) => `packages/core/test/${f}`) : ['packages/core/test/**/*.test.ts'], setupFiles: [], reporters: ['default'], isolate: false },
})
