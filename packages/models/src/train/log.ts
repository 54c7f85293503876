// The run's CSV log: one row per optimizer step (the batch loss), with the
// evaluated losses on the rows of the steps where evaluation ran. Kept in
// memory too, for the plots: as numbers in one growing Float64Array, not an
// object per row (2000 row objects, each with its own hidden class, were ~1 MB
// of a run's heap). On resume, rows past the checkpoint are dropped so the log
// matches the state the run continues from.
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

const WIDTH = KEYS.length

export class RunLog {
  /** The written rows, WIDTH numbers each (NaN for an empty cell). */
  private table = new Float64Array(64 * WIDTH)
  private count = 0
  private pending: LogRow | null = null

  /** Opens file; keeps existing rows up to keepUpToStep (all rows are dropped for a new run: keepUpToStep 0... -1). */
  constructor(readonly file: string, keepUpToStep: number) {
    if (keepUpToStep >= 0 && existsSync(file)) {
      const lines = readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '')
      for (const line of lines) {
        const parts = line.split(',')
        const row = Object.fromEntries(KEYS.map((k, i) => [k, parts[i] === undefined || parts[i] === '' ? null : Number(parts[i])])) as unknown as LogRow
        if (row.step !== null && row.step <= keepUpToStep) this.store(row)
      }
    }
    writeFileSync(file, [COLUMNS.join(','), ...this.rows.map((r) => KEYS.map((k) => cell(r[k])).join(','))].join('\n') + '\n')
  }

  /** The rows written so far (a NaN value reads back as null, as from the CSV). */
  get rows(): LogRow[] {
    return Array.from({ length: this.count }, (_, i) => this.row(i))
  }

  private row(i: number): LogRow {
    const at = (j: number) => { const v = this.table[i * WIDTH + j]; return Number.isNaN(v) ? null : v }
    return Object.fromEntries(KEYS.map((k, j) => [k, at(j)])) as unknown as LogRow
  }

  private store(r: LogRow): void {
    if ((this.count + 1) * WIDTH > this.table.length) {
      const grown = new Float64Array(this.table.length * 2)
      grown.set(this.table)
      this.table = grown
    }
    KEYS.forEach((k, j) => { this.table[this.count * WIDTH + j] = r[k] ?? NaN })
    this.count++
  }

  private write(r: LogRow): void {
    this.store(r)
    appendFileSync(this.file, KEYS.map((k) => cell(r[k])).join(',') + '\n')
  }

  /** Records a training step (written once the step's evaluation, if any, is known). */
  step(r: Omit<LogRow, 'valLoss' | 'evalTrainLoss'>): void {
    this.flush()
    // written out, not { ...r, valLoss: null, ... }: V8 (node 20) gives each object made by a spread plus
    // more properties a hidden class of its own, allocated in the old generation: garbage there every step
    this.pending = { step: r.step, trainLoss: r.trainLoss, valLoss: null, evalTrainLoss: null, lr: r.lr, gradNorm: r.gradNorm, tokensPerSec: r.tokensPerSec, elapsedS: r.elapsedS }
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
    const step = KEYS.indexOf('step')
    const column = (key: keyof LogRow): [number, number][] => {
      const j = KEYS.indexOf(key), out: [number, number][] = []
      for (let i = 0; i < this.count; i++) {
        const v = this.table[i * WIDTH + j]
        if (!Number.isNaN(v)) out.push([this.table[i * WIDTH + step], v])
      }
      const p = this.pending?.[key]
      if (p !== undefined && p !== null && !Number.isNaN(p)) out.push([this.pending!.step, p])
      return out
    }
    return { train: column('trainLoss'), val: column('valLoss'), lr: column('lr') }
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
