// sampleBert (bert/sample.ts): `adjoint sample` for a BERT checkpoint, in process.
import { manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { BERT_SPECIAL_TOKENS, BertForMaskedLM, CharTokenizer, CheckpointError, fillMasks, openRun, sampleBert, saveRunCheckpoint } from '../../src/index.js'
import { formatSampleStats } from '../../src/generation/from-checkpoint.js'
import { tempDir } from '../helpers.js'

describe('sampleBert', () => {
  it('prints the prompt and its filled-in version, the [MASK]s filled as fillMasks fills them', () => {
    const tok = CharTokenizer.fromText('the jury said it did not hear', { specialTokens: [...BERT_SPECIAL_TOKENS] })
    const cfg = { vocabSize: tok.vocabSize, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 32 }
    manualSeed(0)
    const model = new BertForMaskedLM(cfg)
    const dir = tempDir()
    saveRunCheckpoint(dir, { format: 'adjoint-run', version: 1, kind: 'bert', model: cfg, train: {}, step: 5, data: { source: 'brown' } }, tok, { model })
    const out: string[] = [], headers: string[] = []
    const prompt = 'the [MASK]ury said'
    const stats = { promptTokens: 0, promptMs: 0, generatedTokens: 0, generateMs: 0 }
    const filled = sampleBert(openRun(dir), { ckpt: 'runs/b', prompt, tokens: 64, temperature: 0, seed: 0, stats }, (t) => out.push(t), (h) => headers.push(h))
    model.eval()
    const want = fillMasks(model, tok, prompt, { seed: 0 })
    expect(filled).toBe(want.filled)
    expect(filled).toHaveLength('the jury said'.length)
    expect(filled.startsWith('the ')).toBe(true)
    expect(filled.endsWith('ury said')).toBe(true)
    expect(out.join('')).toBe(`prompt:  the [MASK]ury said\nfilled:  ${filled}\n`)
    expect(headers).toEqual(['model: runs/b (bert, step 5)'])
    // [CLS] + 13 tokens ([MASK] is one) + [SEP]
    expect(stats).toMatchObject({ promptTokens: 15, generatedTokens: 0, generateMs: 0, onePass: true })
    expect(stats.promptMs).toBeGreaterThan(0)
    expect(formatSampleStats(stats)).toMatch(/^timing: prompt 15 tokens in [\d.]+ ms \([\d.]+ ms\/token, [\d.]+ tokens\/s\), one pass; nothing generated token by token$/)
  })

  it('refuses a checkpoint of another kind with a CheckpointError naming both kinds', () => {
    const tok = CharTokenizer.fromText('the jury', { specialTokens: [...BERT_SPECIAL_TOKENS] })
    const cfg = { vocabSize: tok.vocabSize, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 32 }
    const dir = tempDir()
    saveRunCheckpoint(dir, { format: 'adjoint-run', version: 1, kind: 'bert-classifier', model: cfg, train: {}, step: 1, data: { source: 'brown' } }, tok, { model: new BertForMaskedLM(cfg) })
    const sample = () => sampleBert(openRun(dir), { prompt: 'the [MASK]', tokens: 1, temperature: 0, seed: 0 }, () => {})
    expect(sample).toThrow(CheckpointError)
    expect(sample).toThrow(/holds a "bert-classifier" model, not a "bert" one/)
  })
})
