// Loaded into the `adjoint train` process by train-memory.bench.ts (node --import):
// at exit, prints the peak RSS and the time V8's collector took (perf_hooks 'gc'
// entries) as one JSON line on stderr, marked for the bench to find.
import { PerformanceObserver, performance } from 'node:perf_hooks'

let gcMs = 0
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration }).observe({ entryTypes: ['gc'] })
process.on('exit', () => {
  const wallMs = performance.now()
  process.stderr.write(`\nTRAIN-MEMORY ${JSON.stringify({ peakMB: process.resourceUsage().maxRSS / 1024, gcMs, wallMs })}\n`)
})
