import { describe, expect, it } from 'vitest'
import { GPT2_PATTERN } from '../../src/index.js'

const chunks = (text: string) => text.match(new RegExp(GPT2_PATTERN, 'gu'))

describe("GPT-2's pre-tokenization pattern", () => {
  it('cuts contractions, words with their leading space, numbers and symbols apart', () => {
    expect(chunks("I'm here, it's 2024!")).toEqual(['I', "'m", ' here', ',', ' it', "'s", ' 2024', '!'])
    expect(chunks('héllo wörld')).toEqual(['héllo', ' wörld'])
  })

  it("keeps a run of spaces apart from the next word's leading space, and reads \\s as Python's White_Space", () => {
    expect(chunks('a   b')).toEqual(['a', '  ', ' b'])
    // as Python's regex does: the run minus its last character, then the last one alone
    expect(chunks('a\n\nb')).toEqual(['a', '\n', '\n', 'b'])
    // U+0085 is White_Space (Python's \s) but not JavaScript's \s; U+FEFF is the other way round
    expect(chunks('a\u0085b')).toEqual(['a', '\u0085', 'b'])
    expect(chunks('a\uFEFFb')).toEqual(['a', '\uFEFF', 'b'])
  })
})
