import { describe, expect, it } from 'vitest'
import { ConfigError, GPT, countParameters, gptConfig } from '../../src/index.js'

describe('gptConfig', () => {
  it('fills GPT-2 defaults and checks every field, reporting all problems at once', () => {
    expect(gptConfig({ nLayer: 2 }).nEmbd).toBe(768)
    expect(() => gptConfig({ nEmbd: 100, nHead: 3 })).toThrow(ConfigError)
    expect(() => gptConfig({ nEmbd: 100, nHead: 3, dropout: 2, blockSize: 0 })).toThrow(/blockSize must be a positive integer.*nEmbd \(100\) must be divisible by nHead \(3\).*dropout must be in \[0, 1\)/)
    expect(() => gptConfig({ nLayers: 3 } as never)).toThrow(/unknown config keys: nLayers/)
  })

  it('counts parameters like the built model does', () => {
    for (const c of [{ bias: true, tieWeights: true }, { bias: false, tieWeights: false }]) {
      const cfg = { vocabSize: 20, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, ...c }
      expect(countParameters(gptConfig(cfg))).toBe(new GPT(cfg).numParams())
    }
  })
})
