// The run's CSV log: one row per optimizer step (the batch loss), with the
// evaluated losses on the rows of the steps where evaluation ran. Kept in
// memory too, for the plots. On resume, rows past the checkpoint are dropped
// so the log matches the state the run continues from.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'

export interface LogRow {
  step: number
  trainLoss: number | null
  valLoss: number | null
  evalTrainLoss: number | null
  lr: number | null
  gradNorm: number | null
  tokensPerSec: number | null
  elapsedS: number | null
}

const COLUMNS = ['step', 'train_loss', 'val_loss', 'eval_train_loss', 'lr', 'grad_norm', 'tokens_per_sec', 'elapsed_s'] as const
const KEYS: (keyof LogRow)[] = ['step', 'trainLoss', 'valLoss', 'evalTrainLoss', 'lr', 'gradNorm', 'tokensPerSec', 'elapsedS']

const cell = (v: number | null) => (v === null || !Number.isFinite(v) ? '' : Number.isInteger(v) ? String(v) : v.toPrecision(6))

export class RunLog {
  readonly rows: LogRow[] = []
  private pending: LogRow | null = null

  /** Opens file; keeps existing rows up to keepUpToStep (all rows are dropped for a new run: keepUpToStep 0... -1). */
  constructor(readonly file: string, keepUpToStep: number) {
    if (keepUpToStep >= 0 && existsSync(file)) {
      const lines = readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '')
      for (const line of lines) {
        const parts = line.split(',')
        const row = Object.fromEntries(KEYS.map((k, i) => [k, parts[i] === undefined || parts[i] === '' ? null : Number(parts[i])])) as unknown as LogRow
        if (row.step !== null && row.step <= keepUpToStep) this.rows.push(row)
      }
    }
    writeFileSync(file, [COLUMNS.join(','), ...this.rows.map((r) => KEYS.map((k) => cell(r[k])).join(','))].join('\n') + '\n')
  }

  private write(r: LogRow): void {
    this.rows.push(r)
    appendFileSync(this.file, KEYS.map((k) => cell(r[k])).join(',') + '\n')
  }

  /** Records a training step (written once the step's evaluation, if any, is known). */
  step(r: Omit<LogRow, 'valLoss' | 'evalTrainLoss'>): void {
    this.flush()
    this.pending = { ...r, valLoss: null, evalTrainLoss: null }
  }

  /** Records an evaluation after `step` steps. */
  evaluation(step: number, valLoss: number, evalTrainLoss: number | null, elapsedS: number | null = null): void {
    if (this.pending && this.pending.step === step) {
      this.pending.valLoss = valLoss
      this.pending.evalTrainLoss = evalTrainLoss
      return
    }
    this.flush()
    this.write({ step, trainLoss: null, valLoss, evalTrainLoss, lr: null, gradNorm: null, tokensPerSec: null, elapsedS })
  }

  flush(): void {
    if (this.pending) this.write(this.pending)
    this.pending = null
  }

  /** (step, loss) and (step, learning rate) series for the plots. */
  series(): { train: [number, number][]; val: [number, number][]; lr: [number, number][] } {
    const all = this.pending ? [...this.rows, this.pending] : this.rows
    return {
      train: all.filter((r) => r.trainLoss !== null).map((r) => [r.step, r.trainLoss!]),
      val: all.filter((r) => r.valLoss !== null).map((r) => [r.step, r.valLoss!]),
      lr: all.filter((r) => r.lr !== null).map((r) => [r.step, r.lr!]),
    }
  }
}

/** Mean of each window of `size` points (x = the window's last x), to show a noisy curve's trend. */
export function smooth(points: readonly [number, number][], size: number): [number, number][] {
  const out: [number, number][] = []
  for (let i = 0; i < points.length; i += size) {
    const w = points.slice(i, i + size)
    out.push([w[w.length - 1][0], w.reduce((a, p) => a + p[1], 0) / w.length])
  }
  return out
}
