// Terminal output for training: a cli-progress bar on a terminal, plain lines
// (every ~5% of the run) otherwise, e.g. in CI logs or when piped.
import cliProgress from 'cli-progress'
import type { TrainUI } from '../train/run.js'

const fmt = (v: number | null, d = 4) => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(d))

export function terminalUI(out: NodeJS.WriteStream = process.stdout, err: NodeJS.WriteStream = process.stderr): TrainUI {
  const tty = Boolean(err.isTTY)
  let bar: cliProgress.SingleBar | null = null
  let total = 0, every = 1, t0 = 0, startStep = 0
  return {
    info(line) { out.write(line + '\n') },
    start(totalSteps, start) {
      total = totalSteps
      startStep = start
      t0 = performance.now()
      every = Math.max(1, Math.round((totalSteps - start) / 20))
      if (tty && start < totalSteps) {
        bar = new cliProgress.SingleBar({
          stream: err,
          format: 'step {value}/{total} {bar} {percentage}% | loss {loss} | val {val} | {tps} tok/s | ETA {eta_formatted}',
          barsize: 24, hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 5,
        }, cliProgress.Presets.shades_classic)
        bar.start(totalSteps, start, { loss: '-', val: '-', tps: '-' })
      }
    },
    update(done, f) {
      if (bar) bar.update(done, { loss: fmt(f.loss), val: fmt(f.valLoss), tps: Math.round(f.tokensPerSec).toLocaleString('en-US') })
      else if ((done - startStep) % every === 0 || done === total) {
        const s = (performance.now() - t0) / 1000
        const eta = done > startStep ? (s / (done - startStep)) * (total - done) : 0
        out.write(`step ${done}/${total} | loss ${fmt(f.loss)} | val ${fmt(f.valLoss)} | ${Math.round(f.tokensPerSec).toLocaleString('en-US')} tok/s | ${s.toFixed(0)}s, ETA ${eta.toFixed(0)}s\n`)
      }
    },
    stop() {
      if (bar) { bar.stop(); bar = null }
    },
  }
}
