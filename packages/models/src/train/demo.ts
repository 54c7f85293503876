// Helpers for the demo a training run ends with (a filled-in training line, a
// parameter count), shared by the objectives and `adjoint sample`.
import { Generator } from '@adjoint/core'

/** "1.23M parameters". */
export const millions = (n: number) => `${(n / 1e6).toFixed(2)}M parameters`
/** One line of text for a demo: newlines shown as \n. */
export const oneLine = (s: string) => s.replace(/\n/g, '\\n')

/**
 * A line of `text` (40 to 120 characters) chosen by seed, for the end-of-run demos.
 * The line is a copy: a slice would keep the whole text alive (V8's sliced strings).
 */
export function demoLine(text: string, seed: number): string {
  const lines = text.split('\n').filter((l) => l.length >= 40 && l.length <= 120)
  const line = lines.length === 0 ? text.slice(0, 80) : lines[new Generator(seed).int(0, lines.length)]
  return line.split('').join('')
}
