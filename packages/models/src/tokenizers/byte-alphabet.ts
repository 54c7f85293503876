// GPT-2's byte-to-character table, used by every byte-level BPE file format
// (vocab.json, merges.txt, tokenizer.json): byte b is written as one printable
// character, so that a token's bytes form a string without spaces or control
// characters. The printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand
// for themselves; the other 68 bytes, in increasing order, get U+0100, U+0101, ...
// (so a space is 'Ġ' = U+0120 and a newline 'Ċ' = U+010A).
import { VocabularyError } from '../errors.js'

const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)

/** BYTE_CHARS[b]: the character standing for byte b. */
export const BYTE_CHARS: readonly string[] = (() => {
  const out: string[] = []
  let n = 0
  for (let b = 0; b < 256; b++) out.push(String.fromCharCode(printable(b) ? b : 256 + n++))
  return out
})()

const CHAR_BYTES = new Map(BYTE_CHARS.map((c, b) => [c, b]))

/** A token's bytes as its byte-level string (e.g. [32, 116, 104, 101] -> 'Ġthe'). */
export function bytesToByteLevel(bytes: readonly number[]): string {
  let s = ''
  for (const b of bytes) s += BYTE_CHARS[b]
  return s
}

/** A byte-level string's bytes, or undefined if it holds a character outside the 256 of the table. */
export function byteLevelToBytes(s: string): number[] | undefined {
  const out: number[] = []
  for (const c of s) {
    const b = CHAR_BYTES.get(c)
    if (b === undefined) return undefined
    out.push(b)
  }
  return out
}

/** byteLevelToBytes, or a VocabularyError naming where the string came from. */
export function byteLevelToBytesOrThrow(s: string, where: string): number[] {
  const b = byteLevelToBytes(s)
  if (b === undefined) throw new VocabularyError(`${where}: ${JSON.stringify(s)} is not a byte-level token (it has characters outside GPT-2's 256-character byte alphabet)`)
  return b
}
