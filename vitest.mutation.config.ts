// The vitest config Stryker runs (stryker.config.mjs): core's tests only, on the
// pure-TS kernels (the code being mutated; no native setup file), no summary reporter.
import { defineConfig, mergeConfig } from 'vitest/config'
import base from './vitest.config.js'

export default mergeConfig(base, defineConfig({
  test: {
    include: ['packages/core/test/**/*.test.ts'],
    setupFiles: [],
    reporters: ['default'],
  },
}), false)
