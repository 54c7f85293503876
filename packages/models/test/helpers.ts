// Shared by the models tests: a UI that records what training prints, a small
// training text cut from the Brown corpus, temp directories.
import '@adjoint/native'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadBrownText } from '../src/index.js'
import type { TrainUI } from '../src/train/run.js'

export function recordingUI(): TrainUI & { lines: string[]; updates: number } {
  const ui = {
    lines: [] as string[],
    updates: 0,
    info(line: string) { ui.lines.push(line) },
    start() {},
    update() { ui.updates++ },
    stop() {},
  }
  return ui
}

export function tempDir(prefix = 'adjoint-models-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

let brownCut: string | null = null
/** The first `chars` characters of the Brown training text, written to a file in dir. */
export function brownFile(dir: string, chars = 200_000): string {
  brownCut ??= loadBrownText().train
  const file = join(dir, 'brown-cut.txt')
  writeFileSync(file, brownCut.slice(0, chars))
  return file
}

/** A model small enough for tests to train in seconds. */
export const TEST_MODEL = { nLayer: 2, nHead: 2, nEmbd: 32 }
