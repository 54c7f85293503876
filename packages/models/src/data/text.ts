// A plain text file as training data: the first 90% trains, the last 10%
// validates (nanoGPT's split).
import { existsSync, readFileSync, statSync } from 'node:fs'
import { DataError } from '../errors.js'

export function loadTextFile(path: string): string {
  if (!existsSync(path)) throw new DataError(`data file not found: ${path}`)
  if (!statSync(path).isFile()) throw new DataError(`data path is not a file: ${path}`)
  const text = readFileSync(path, 'utf8')
  if (text.trim().length === 0) throw new DataError(`data file is empty: ${path}`)
  return text
}

/** Splits text at 90%, on a code point boundary. */
export function splitText(text: string, valFraction = 0.1): { train: string; val: string } {
  let cut = Math.floor(text.length * (1 - valFraction))
  const c = text.charCodeAt(cut)
  if (c >= 0xdc00 && c <= 0xdfff) cut-- // don't split a surrogate pair
  return { train: text.slice(0, cut), val: text.slice(cut) }
}
