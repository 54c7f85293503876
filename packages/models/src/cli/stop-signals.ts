// Graceful stop for the long CLI runs (train, finetune). The first SIGINT (Ctrl-C)
// or SIGTERM asks the run to stop after the current step, which saves a checkpoint;
// the handlers are then removed, so a second Ctrl-C or SIGTERM gets Node's default
// action and ends the process at once, even in the middle of a step or of the save
// (checkpoint files are written to a temporary name and renamed: none is left half-written).
import { constants } from 'node:os'

const SIGNALS = ['SIGINT', 'SIGTERM'] as const
export type StopSignal = (typeof SIGNALS)[number]

export interface StopRequest {
  /** True once a stop signal arrived (polled between steps). */
  requested(): boolean
  /** The signal that asked to stop, or null. */
  signal(): StopSignal | null
  /** The exit code of a run stopped by `signal`: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
  exitCode(): number
  /** Removes the handlers (when the run ends without a signal). */
  dispose(): void
}

/** Installs the handlers; `notice` is printed to stderr when the first signal arrives. */
export function onStopSignals(notice: string): StopRequest {
  let got: StopSignal | null = null
  const dispose = () => { for (const s of SIGNALS) process.off(s, handler) }
  function handler(sig: StopSignal): void {
    got = sig
    dispose()
    // show the cursor again (the progress bar hides it): a second Ctrl-C leaves no time to
    const showCursor = process.stderr.isTTY ? '\x1b[?25h' : ''
    process.stderr.write(`${showCursor}\n${sig}: ${notice} (Ctrl-C again to quit without it)\n`)
  }
  for (const s of SIGNALS) process.on(s, handler)
  return {
    requested: () => got !== null,
    signal: () => got,
    exitCode: () => 128 + (got === null ? 0 : constants.signals[got]),
    dispose,
  }
}

/**
 * Runs a long command's work (train, finetune) with the handlers installed (`notice` as for
 * onStopSignals), passing it the stop poll: exit code 0, or the signal's when a signal stopped it.
 */
export async function runStoppable(notice: string, work: (shouldStop: () => boolean) => Promise<{ interrupted: boolean }>): Promise<number> {
  const stop = onStopSignals(notice)
  try {
    const r = await work(stop.requested)
    return r.interrupted ? stop.exitCode() : 0
  } finally {
    stop.dispose()
  }
}
