import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'docs/**/*.test.ts', 'scripts/test/**/*.test.ts'],
    // 'forks' (default) and 'threads' both load the N-API addon: it is context-aware.
    pool: 'forks',
    testTimeout: 60_000,
    reporters: ['default', './vitest.summary-reporter.ts'],
  },
})
