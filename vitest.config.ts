import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'docs/**/*.test.ts', 'scripts/test/**/*.test.ts'],
    // Registers the native kernels unless ADJOINT_NATIVE=0 (see the file).
    setupFiles: ['./vitest.setup.ts'],
    // 'forks' (default) and 'threads' both load the N-API addon: it is context-aware.
    pool: 'forks',
    testTimeout: 60_000,
    reporters: ['default', './vitest.summary-reporter.ts'],
  },
})
