// The training progress: durations in whole seconds, an ETA only once steps are
// timed, and the final evaluated values on the last line.
import { describe, expect, it } from 'vitest'
import { EtaEstimator, formatDuration, terminalUI } from '../../src/cli/ui.js'

/** A stream that records what is written (not a terminal: plain lines). */
function sink(): NodeJS.WriteStream & { text: string } {
  const s = { text: '', isTTY: false, write(chunk: string) { s.text += chunk; return true } }
  return s as unknown as NodeJS.WriteStream & { text: string }
}

describe('formatDuration', () => {
  it('rounds to whole seconds before splitting into minutes and hours', () => {
    expect(formatDuration(0.4)).toBe('0s')
    expect(formatDuration(42)).toBe('42s')
    expect(formatDuration(59.6)).toBe('1m00s')
    expect(formatDuration(179.7)).toBe('3m00s')
    expect(formatDuration(185)).toBe('3m05s')
    expect(formatDuration(3599.5)).toBe('1h00m')
    expect(formatDuration(3 * 3600 + 7 * 60 + 50)).toBe('3h07m')
    expect(formatDuration(NaN)).toBe('-')
  })
})

describe('EtaEstimator', () => {
  it('has no estimate until 3 steps are timed, and leaves out the slow first step', () => {
    const eta = new EtaEstimator()
    eta.step(1, 30) // the first step pays for warm-up and the first evaluation
    expect(eta.remaining(100)).toBeNull()
    eta.step(2, 31)
    eta.step(3, 32)
    expect(eta.remaining(100)).toBeNull()
    eta.step(4, 33)
    expect(eta.remaining(100)).toBeCloseTo(96, 9)
  })
})

describe('terminalUI (plain lines)', () => {
  it('prints about 20 lines, with the final evaluated losses and ETA 0s on the last', () => {
    const out = sink(), err = sink()
    let now = 0
    const ui = terminalUI(out, err, () => now)
    ui.start(40, 0)
    ui.evaluated!(0, { valLoss: 4.5, trainLoss: 4.5 })
    for (let done = 1; done <= 40; done++) {
      now += 2
      ui.update(done, { loss: 3 - done / 100, valLoss: 4.5, tokensPerSec: 1000 })
      if (done === 40) ui.evaluated!(40, { valLoss: 2.1234, trainLoss: 2.0001 })
    }
    ui.stop()
    const lines = out.text.trim().split('\n')
    expect(lines).toHaveLength(20)
    expect(lines[0]).toBe('step 2/40 | loss 2.9800 | val 4.5000 | 1,000 tok/s | 4s, ETA -')
    expect(lines[1]).toBe('step 4/40 | loss 2.9600 | val 4.5000 | 1,000 tok/s | 8s, ETA 1m12s')
    expect(lines[19]).toBe('step 40/40 | loss 2.0001 | val 2.1234 | 1,000 tok/s | 1m20s, ETA 0s')
    expect(out.text).not.toMatch(/\dm60s/)
  })

  it('shows held-out accuracy when the evaluation is an accuracy', () => {
    const out = sink()
    const ui = terminalUI(out, sink(), () => 0)
    ui.start(2, 0)
    ui.update(1, { loss: 1, tokensPerSec: 10 })
    ui.evaluated!(2, { valAccuracy: 0.4125 })
    ui.update(2, { loss: 0.5, tokensPerSec: 10 })
    ui.stop()
    expect(out.text).toMatch(/step 2\/2 \| loss 0\.5000 \| val 41\.3% acc \|/)
  })
})

describe('terminalUI (progress bar on a terminal)', () => {
  it('redraws with the final evaluated values at 100%', () => {
    const err = sink()
    Object.assign(err, { isTTY: true, columns: 200, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, clearScreenDown: () => true })
    let now = 0
    const ui = terminalUI(sink(), err, () => now)
    ui.start(10, 0)
    for (let done = 1; done <= 10; done++) {
      now += 1
      ui.update(done, { loss: 3, valLoss: 4.5, tokensPerSec: 100 })
    }
    ui.evaluated!(10, { valLoss: 2.1234, trainLoss: 2.0001 })
    ui.stop()
    const frames = err.text.split(/\u001b\[1G|\r|\n/).filter((l) => l.startsWith('step '))
    expect(frames[frames.length - 1]).toMatch(/^step 10\/10 .* 100% \| loss 2\.0001 \| val 2\.1234 \| 100 tok\/s \| 10s, ETA 0s/)
  })
})
