// Prints one plain closing line, "vitest: N passed, N failed, N skipped",
// which .ci/run adds up across test runs.
import type { Reporter, TestModule } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0, failed = 0, skipped = 0
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state
        if (s === 'passed') passed++
        else if (s === 'failed') failed++
        else skipped++
      }
      if (m.state() === 'failed' && m.children.size === 0) failed++ // suite failed to load
    }
    console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`)
  }
}
