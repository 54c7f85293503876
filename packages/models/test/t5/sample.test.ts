// sampleT5 (t5/sample.ts): `adjoint sample` for a T5 checkpoint, in process.
import { manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { CharTokenizer, CheckpointError, T5ForConditionalGeneration, T5_SPECIAL_TOKENS, UsageError, fillSentinels, openRun, sampleT5, saveRunCheckpoint } from '../../src/index.js'
import { formatSampleStats } from '../../src/generation/from-checkpoint.js'
import { tempDir } from '../helpers.js'

describe('sampleT5', () => {
  const tok = CharTokenizer.fromText('the jury said it did not hear', { specialTokens: [...T5_SPECIAL_TOKENS] })
  const cfg = { vocabSize: tok.vocabSize, dModel: 16, dKv: 4, dFf: 32, numLayers: 1, numHeads: 4, dropoutRate: 0, padTokenId: tok.specialId('<pad>'), eosTokenId: tok.specialId('</s>'), decoderStartTokenId: tok.specialId('<pad>') }
  manualSeed(0)
  const model = new T5ForConditionalGeneration(cfg)
  const dir = tempDir()
  saveRunCheckpoint(dir, { format: 'adjoint-run', version: 1, kind: 't5', model: cfg, train: {}, step: 9, data: { source: 'brown' } }, tok, { model })

  it('prints the prompt, the generated spans and the filled text, as fillSentinels makes them', () => {
    const out: string[] = [], headers: string[] = []
    const prompt = 'the <extra_id_0> said'
    const stats = { promptTokens: 0, promptMs: 0, generatedTokens: 0, generateMs: 0 }
    const filled = sampleT5(openRun(dir), { ckpt: 'runs/t', prompt, tokens: 6, temperature: 0, seed: 0, stats }, (t) => out.push(t), (h) => headers.push(h))
    model.eval()
    let generated = 0
    const want = fillSentinels(model, tok, tok.encode(prompt), { temperature: 0, seed: 0, maxNewTokens: 6, onToken: () => generated++ })
    // the encoder's input (the prompt and </s>) and the first new token; then the others, one by one
    expect(generated).toBeGreaterThan(1)
    expect(stats).toMatchObject({ promptTokens: tok.encode(prompt).length + 1, generatedTokens: generated - 1 })
    expect(stats.promptMs).toBeGreaterThan(0)
    expect(stats.generateMs).toBeGreaterThan(0)
    expect(formatSampleStats(stats)).toMatch(new RegExp(`^timing: prompt ${stats.promptTokens} tokens and the first new one in [\\d.]+ ms .*; then ${generated - 1} generated tokens in [\\d.]+ ms`))
    expect(filled).toBe(want.filled)
    expect(filled.startsWith('the ')).toBe(true)
    expect(filled.endsWith(' said')).toBe(true)
    expect(out.join('')).toMatch(/^prompt:  the <extra_id_0> said\nspans:   .*\nfilled:  .*\n$/)
    expect(headers).toEqual(['model: runs/t (t5, step 9)'])
  })

  it('refuses a prompt without a sentinel and --tokens 0', () => {
    expect(() => sampleT5(openRun(dir), { prompt: 'the jury', tokens: 6, temperature: 0, seed: 0 }, () => {})).toThrow(UsageError)
    expect(() => sampleT5(openRun(dir), { prompt: 'the jury', tokens: 6, temperature: 0, seed: 0 }, () => {})).toThrow(/has no sentinel/)
    expect(() => sampleT5(openRun(dir), { prompt: 'the <extra_id_0>', tokens: 0, temperature: 0, seed: 0 }, () => {})).toThrow(/--tokens must be an integer >= 1/)
  })

  it('refuses a checkpoint of another kind with a CheckpointError naming both kinds', () => {
    const other = tempDir()
    saveRunCheckpoint(other, { format: 'adjoint-run', version: 1, kind: 't5-classifier', model: cfg, train: {}, step: 9, data: { source: 'brown' } }, tok, { model })
    const sample = () => sampleT5(openRun(other), { prompt: 'the <extra_id_0> said', tokens: 6, temperature: 0, seed: 0 }, () => {})
    expect(sample).toThrow(CheckpointError)
    expect(sample).toThrow(/holds a "t5-classifier" model, not a "t5" one/)
  })
})
