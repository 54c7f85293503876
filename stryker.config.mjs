// Stryker mutation testing of core's ops and autograd (not part of CI; slow). Run it
// through `pnpm mutation` (scripts/mutation.mjs): one source file per run, with only
// the tests that exercise it (MUTATION_TESTS), niced, one test process, incremental.
// Results: reports/mutation/ (HTML and JSON); docs/testing.md has the last scores.
const report = process.env.MUTATION_REPORT ?? 'reports/mutation/mutation'
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['packages/core/src/ops/**/*.ts', 'packages/core/src/autograd/**/*.ts'],
  coverageAnalysis: 'perTest',
  // A static mutant (module-level code: the op tables, constants) reruns every test
  // in a fresh module graph; they are half the time of a run. MUTATION_STATIC=1 runs them.
  ignoreStatic: process.env.MUTATION_STATIC !== '1',
  concurrency: 1,
  // added to 1.5x the covering tests' time: a mutant that loops forever costs this much
  timeoutMS: 15_000,
  reporters: ['clear-text', process.stdout.isTTY ? 'progress' : 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `${report}.html` },
  jsonReporter: { fileName: `${report}.json` },
  clearTextReporter: { allowColor: false, logTests: false },
  // Only core's sources and tests are needed in the sandbox copy.
  ignorePatterns: ['bench', 'docs', 'packages/models', 'packages/nn', 'packages/native', 'packages/playground', 'coverage', 'runs'],
  // Stryker rewrites tsconfig.json through the TypeScript JS API, which TypeScript 7
  // no longer has: point it at no file (vitest transpiles; nothing needs rewriting).
  tsconfigFile: 'stryker-has-no-tsconfig.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
}
