// Terminal output for training: a cli-progress bar on a terminal, plain lines
// (every ~5% of the run) otherwise, e.g. in CI logs or when piped. Times are
// whole seconds ("3m05s", never "3m60s"); the ETA appears once a few steps have
// been timed, from the mean step time since the first step (which pays for
// warm-up and the first evaluation); the last line shows the final evaluated values.
import cliProgress from 'cli-progress'
import { withThousands } from '../number-format.js'
import type { EvaluationUpdate, StepUpdate, TrainUI } from '../train/run.js'

const fmt = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d))

/** Seconds as "42s", "3m05s" or "1h02m" (rounded to whole seconds first). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`
}

/** Steps timed before an ETA is shown. */
export const ETA_AFTER_STEPS = 3

/**
 * Remaining time from the steps timed so far: the mean time per step since the
 * first step completed (null until ETA_AFTER_STEPS steps are timed).
 */
export class EtaEstimator {
  private first: { done: number; t: number } | null = null
  private last: { done: number; t: number } | null = null

  /** Records that `done` steps are complete at time t (seconds). */
  step(done: number, t: number): void {
    if (this.first === null) this.first = { done, t }
    this.last = { done, t }
  }

  /** Seconds left to reach `total` steps, or null while too few steps are timed. */
  remaining(total: number): number | null {
    if (!this.first || !this.last || this.last.done - this.first.done < ETA_AFTER_STEPS) return null
    const perStep = (this.last.t - this.first.t) / (this.last.done - this.first.done)
    return perStep * (total - this.last.done)
  }
}

export function terminalUI(out: NodeJS.WriteStream = process.stdout, err: NodeJS.WriteStream = process.stderr, clock: () => number = () => performance.now() / 1000): TrainUI {
  const tty = Boolean(err.isTTY)
  let bar: cliProgress.SingleBar | null = null
  let total = 0, every = 1, t0 = 0, startStep = 0, printed = -1
  let eta = new EtaEstimator()
  const last = { done: 0, loss: null as number | null, val: '-', tps: 0 }
  const payload = () => {
    const rem = eta.remaining(total)
    return { loss: fmt(last.loss), val: last.val, tps: withThousands(last.tps), elapsed: formatDuration(clock() - t0), left: rem === null ? '-' : formatDuration(rem) }
  }
  const line = () => {
    const p = payload()
    printed = last.done
    out.write(`step ${last.done}/${total} | loss ${p.loss} | val ${p.val} | ${p.tps} tok/s | ${p.elapsed}, ETA ${last.done === total ? '0s' : p.left}\n`)
  }
  return {
    info(text) { out.write(text + '\n') },
    start(totalSteps, start) {
      total = totalSteps
      startStep = start
      last.done = start
      printed = start
      t0 = clock()
      eta = new EtaEstimator()
      every = Math.max(1, Math.round((totalSteps - start) / 20))
      if (tty && start < totalSteps) {
        bar = new cliProgress.SingleBar({
          stream: err,
          format: 'step {value}/{total} {bar} {percentage}% | loss {loss} | val {val} | {tps} tok/s | {elapsed}, ETA {left}',
          barsize: 24, hideCursor: true, clearOnComplete: false, fps: 5,
        }, cliProgress.Presets.shades_classic)
        bar.start(totalSteps, start, payload())
      }
    },
    update(done, f: StepUpdate) {
      eta.step(done, clock())
      Object.assign(last, { done, loss: f.loss, tps: f.tokensPerSec })
      if (f.valLoss !== undefined && f.valLoss !== null) last.val = fmt(f.valLoss)
      if (bar) bar.update(done, payload())
      else if (done < total && (done - startStep) % every === 0) line()
    },
    evaluated(done, e: EvaluationUpdate) {
      last.val = e.valAccuracy !== undefined ? `${(100 * e.valAccuracy).toFixed(1)}% acc` : fmt(e.valLoss)
      // the run's final values: the evaluated train loss, as the summary prints it
      if (done === total && e.trainLoss !== undefined) last.loss = e.trainLoss
      if (bar) bar.update(done, payload())
    },
    stop() {
      if (bar) { bar.update(last.done, payload()); bar.stop(); bar = null }
      else if (printed !== last.done) line()
    },
  }
}
