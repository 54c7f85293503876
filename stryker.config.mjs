// `pnpm mutation`: Stryker mutation testing of core's ops and autograd (not part
// of CI; slow). Runs one test process at a time (the machine is shared). For a
// narrow run, name files: `pnpm mutation --mutate packages/core/src/autograd/engine.ts`.
// Results: reports/mutation/ (HTML and JSON); docs/testing.md has the last scores.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['packages/core/src/ops/**/*.ts', 'packages/core/src/autograd/**/*.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 60_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Stryker rewrites tsconfig.json through the TypeScript JS API, which TypeScript 7
  // no longer has: point it at no file (vitest transpiles; nothing needs rewriting).
  tsconfigFile: 'stryker-has-no-tsconfig.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
}
