// A plain text file as training data: the first 90% trains, the last 10%
// validates (nanoGPT's split). Binary files are refused: the text must be
// valid UTF-8 and mostly printable.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { DataError } from '../errors.js'

/** Control characters other than tab, newline, carriage return and form feed (U+0000-U+001F, U+007F-U+009F). */
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f]/g

/** Most control characters a text may hold, as a fraction of its characters. */
export const MAX_CONTROL_FRACTION = 0.05

export function loadTextFile(path: string): string {
  if (!existsSync(path)) throw new DataError(`data file not found: ${path}`)
  if (!statSync(path).isFile()) throw new DataError(`data path is not a file: ${path}`)
  return checkText(readFileSync(path), path)
}

/** The bytes as text; a DataError when they are not valid UTF-8, hold mostly control characters, or are empty. */
export function checkText(bytes: Uint8Array, path: string): string {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new DataError(`${path} is not UTF-8 text (it holds byte sequences that are not UTF-8; a binary file?): give a plain text file`)
  }
  if (text.trim().length === 0) throw new DataError(`data file is empty: ${path}`)
  const controls = text.match(CONTROL)?.length ?? 0
  if (controls > MAX_CONTROL_FRACTION * text.length) {
    throw new DataError(`${path} looks binary, not text: ${(100 * controls / text.length).toFixed(1)}% of its characters are control characters (at most ${100 * MAX_CONTROL_FRACTION}% allowed)`)
  }
  return text
}

/** Splits text at 90%, on a code point boundary. */
export function splitText(text: string, valFraction = 0.1): { train: string; val: string } {
  let cut = Math.floor(text.length * (1 - valFraction))
  const c = text.charCodeAt(cut)
  if (c >= 0xdc00 && c <= 0xdfff) cut-- // don't split a surrogate pair
  return { train: text.slice(0, cut), val: text.slice(cut) }
}
