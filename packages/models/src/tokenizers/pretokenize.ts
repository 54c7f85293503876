// Pre-tokenization patterns: the regex that cuts text into chunks before BPE.
// Python's `regex` module (GPT-2's encoder) and Hugging Face's tokenizers
// (Oniguruma) read \s as the Unicode White_Space property: U+0085 is a space,
// U+FEFF is not. JavaScript's \s is the other way round on both, so patterns
// from Python or a tokenizer.json are translated, and adjoint's own patterns
// spell the property out.
import { VocabularyError } from '../errors.js'

/** GPT-2's pre-tokenization pattern (contractions, letters, numbers, other symbols, whitespace runs). */
export const GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+`

/** The same pattern with JavaScript's \s, as tokenizers saved before the change hold it (still loaded as saved). */
export const GPT2_PATTERN_JS_WHITESPACE = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

/** True for GPT-2's pattern in either spelling. */
export function isGPT2Pattern(p: string): boolean {
  return p === GPT2_PATTERN || p === GPT2_PATTERN_JS_WHITESPACE
}

/**
 * A Python / Oniguruma pattern as a JavaScript one (for the 'u' flag): \s and
 * \S become the White_Space property, a case-insensitive group (?i:...) spells
 * its ASCII letters as [xX]. Throws a VocabularyError naming `where` if the
 * result is not a valid JavaScript regex.
 */
export function pythonPatternToJS(p: string, where: string): string {
  let out = ''
  let inClass = false
  const caseless: number[] = [] // depth of each open (?i: group
  let depth = 0
  for (let i = 0; i < p.length; i++) {
    const c = p[i]
    if (c === '\\') {
      const n = p[i + 1]
      if (n === 's') out += String.raw`\p{White_Space}`
      else if (n === 'S') out += String.raw`\P{White_Space}`
      else out += c + (n ?? '')
      i++
      continue
    }
    if (inClass) { if (c === ']') inClass = false; out += c; continue }
    if (c === '[') { inClass = true; out += c; continue }
    if (c === '(') {
      depth++
      if (p.startsWith('(?i:', i)) { caseless.push(depth); out += '(?:'; i += 3; continue }
    }
    if (c === ')') { if (caseless.at(-1) === depth) caseless.pop(); depth-- }
    if (caseless.length > 0 && /[a-zA-Z]/.test(c)) { out += `[${c.toLowerCase()}${c.toUpperCase()}]`; continue }
    out += c
  }
  try {
    new RegExp(out, 'gu')
  } catch (e) {
    throw new VocabularyError(`${where}: the pattern ${JSON.stringify(p)} has no JavaScript equivalent (${(e as Error).message})`)
  }
  return out
}
