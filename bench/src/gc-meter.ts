// The share of timed work spent in V8's garbage collector: perf_hooks 'gc'
// entries that start inside the windows between start() and stop(). Entries
// arrive asynchronously, so share() lets them in before it counts.
import { PerformanceObserver } from 'node:perf_hooks'

export class GcMeter {
  private readonly windows: [number, number][] = []
  private gcMs = 0
  private readonly observer: PerformanceObserver

  constructor() {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (this.windows.some(([s, f]) => e.startTime >= s && e.startTime <= f)) this.gcMs += e.duration
    })
    this.observer.observe({ entryTypes: ['gc'] })
  }

  start(): void {
    this.windows.push([performance.now(), Infinity])
  }

  stop(): void {
    const w = this.windows[this.windows.length - 1]
    if (w) w[1] = performance.now()
  }

  /** GC time over the windows' total time (0..1), after the pending entries are in. */
  async share(): Promise<number> {
    await new Promise((r) => setTimeout(r, 20))
    const total = this.windows.reduce((a, [s, f]) => a + (Number.isFinite(f) ? f - s : performance.now() - s), 0)
    return total > 0 ? this.gcMs / total : NaN
  }

  disconnect(): void {
    this.observer.disconnect()
  }
}
