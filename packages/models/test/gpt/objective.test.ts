// gpt/objective.ts: the prompt a GPT run samples from after training.
import { describe, expect, it } from 'vitest'
import { CharTokenizer, GPT_SAMPLE_DEFAULTS, defaultPrompt } from '../../src/index.js'

describe('defaultPrompt', () => {
  it('"The " when the tokenizer can encode it (as GPT_SAMPLE_DEFAULTS says), else the first character of the text', () => {
    expect(GPT_SAMPLE_DEFAULTS.prompt).toBe('"The "')
    expect(defaultPrompt(CharTokenizer.fromText('The cat sat.'), 'The cat sat.')).toBe('The ')
    expect(defaultPrompt(CharTokenizer.fromText('xyz abc'), 'xyz abc')).toBe('x')
    expect(defaultPrompt(CharTokenizer.fromText('\u{1F600}ab'), '\u{1F600}ab')).toBe('\u{1F600}') // a whole code point
  })
})
