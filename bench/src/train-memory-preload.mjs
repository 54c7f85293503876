// Loaded into the `adjoint train` process by train-memory.bench.ts (node --import):
// every 500 ms, and at exit, prints one JSON line on stderr, marked for the bench
// to find: where the resident memory is (V8's heap, the typed arrays' buffers,
// core's buffer pool), V8's heap in use right after its latest major collection,
// the peak RSS so far and the time V8's collector took (perf_hooks 'gc' entries).
import { PerformanceObserver, constants, performance } from 'node:perf_hooks'

const MB = 2 ** 20

let gcMs = 0
/** V8's heap in use just after its latest major (mark-compact) collection: the live objects, without garbage. */
let liveHeapMB = NaN
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) liveHeapMB = process.memoryUsage().heapUsed / MB
  }
}).observe({ entryTypes: ['gc'] })
// the CLI's own copy of core (same resolved file, so the same module instance), for the pool's figures
let poolStats = null
import('@adjoint/core').then((core) => { poolStats = core.poolStats }, () => {})
const report = () => {
  const m = process.memoryUsage()
  return {
    peakMB: process.resourceUsage().maxRSS / 1024, rssMB: m.rss / MB, heapMB: m.heapTotal / MB, heapUsedMB: m.heapUsed / MB, liveHeapMB,
    arrayBuffersMB: m.arrayBuffers / MB, poolMB: poolStats === null ? NaN : poolStats().bytes / MB, gcMs, wallMs: performance.now(),
  }
}
setInterval(() => process.stderr.write(`\nTRAIN-MEMORY-SAMPLE ${JSON.stringify(report())}\n`), 500).unref()
process.on('exit', () => process.stderr.write(`\nTRAIN-MEMORY ${JSON.stringify(report())}\n`))
