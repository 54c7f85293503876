import { defaultClientConditions, defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

// Tests run on the packages' .ts sources, never on a (possibly stale) dist/ build:
// vite resolves @adjoint/* through the "source" export condition, and node
// processes the tests start (CLI runs, worker threads) get --conditions=source.
process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, '--conditions=source'].filter(Boolean).join(' ')

export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'docs/**/*.test.ts', 'scripts/test/**/*.test.ts', 'test/*.test.ts', 'bench/test/**/*.test.ts'],
    // Registers the native kernels unless ADJOINT_NATIVE=0 (see the file).
    setupFiles: ['./vitest.setup.ts'],
    // 'forks' (default) and 'threads' both load the N-API addon: it is context-aware.
    pool: 'forks',
    testTimeout: 60_000,
    reporters: ['default', './vitest.summary-reporter.ts'],
    // `pnpm coverage` (not part of `pnpm test`): line coverage of the TS sources,
    // with the floors the project holds itself to.
    coverage: {
      provider: 'v8',
      include: ['packages/core/src/**/*.ts', 'packages/nn/src/**/*.ts', 'packages/models/src/**/*.ts'],
      reporter: ['text-summary', 'json-summary', 'text'],
      reportsDirectory: 'coverage',
      reportOnFailure: true,
      thresholds: {
        'packages/core/src/**': { lines: 90 },
        'packages/nn/src/**': { lines: 90 },
        'packages/models/src/**': { lines: 80 },
      },
    },
  },
})
