// Training sizes are checked before anything is built.
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/index.js'
import { MAX_TENSOR_ELEMENTS, checkFootprint, transformerFootprint } from '../../src/train/memory.js'

const tiny = { parameters: 800_000, layers: 4, width: 128, heads: 4, vocab: 65, seq: 64, batch: 12 }

describe('transformerFootprint / checkFootprint', () => {
  it('a tiny GPT fits in a few hundred MB', () => {
    const fp = transformerFootprint(tiny)
    expect(fp.bytes).toBeGreaterThan(4 * 4 * tiny.parameters)
    expect(fp.bytes).toBeLessThan(2 ** 30)
    expect(() => checkFootprint(fp, 'x', 8 * 2 ** 30)).not.toThrow()
  })

  it('--block 100000 is refused at once: the attention scores would not fit in an array', () => {
    const fp = transformerFootprint({ ...tiny, seq: 100_000 })
    expect(fp.largest).toMatchObject({ what: 'the attention scores', shape: [12, 4, 100_000, 100_000] })
    expect(fp.largest.elements).toBeGreaterThan(MAX_TENSOR_ELEMENTS)
    expect(() => checkFootprint(fp, '--block 100000')).toThrow(ConfigError)
    expect(() => checkFootprint(fp, '--block 100000')).toThrow(/^--block 100000 is too large: the attention scores alone would be a \[12, 4, 100000, 100000\] tensor of 4\.80e\+11 elements/)
  })

  it('a run needing more memory than the machine has is refused with both figures', () => {
    const fp = transformerFootprint({ ...tiny, seq: 2048, batch: 64 })
    expect(fp.largest.elements).toBeLessThan(MAX_TENSOR_ELEMENTS)
    expect(() => checkFootprint(fp, 'this run', 4 * 2 ** 30)).toThrow(/^this run needs about \d+\.\d GB of memory to train, more than this machine's 4\.0 GB/)
  })
})
