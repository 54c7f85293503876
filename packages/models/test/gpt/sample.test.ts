// sampleGPT (gpt/sample.ts): `adjoint sample` for a GPT checkpoint, in process.
import { manualSeed } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { CharTokenizer, CheckpointError, GPT, UsageError, VocabularyError, generate, openRun, sampleGPT, saveRunCheckpoint, type RunMeta } from '../../src/index.js'
import { tempDir } from '../helpers.js'

const cfg = { vocabSize: 6, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 8 }
const meta = (kind: string): RunMeta => ({ format: 'adjoint-run', version: 1, kind, model: cfg, train: {}, step: 12, data: { source: 'brown' } })

function savedGPT(kind = 'gpt') {
  const dir = tempDir()
  manualSeed(0)
  const model = new GPT(cfg), tok = CharTokenizer.fromText('abcdef')
  saveRunCheckpoint(dir, meta(kind), tok, { model })
  return { run: openRun(dir), model, tok }
}

describe('sampleGPT', () => {
  it('streams the prompt then the greedy continuation generate() gives, and says which model it is', () => {
    const { run, model, tok } = savedGPT()
    const chunks: string[] = [], headers: string[] = []
    const stats = { promptTokens: 0, promptMs: 0, generatedTokens: 0, generateMs: 0 }
    const text = sampleGPT(run, { ckpt: 'runs/x', prompt: 'fab', tokens: 5, temperature: 0, seed: 0, stats }, (t) => chunks.push(t), (h) => headers.push(h))
    const want = tok.decode(Array.from(generate(model, tok.encode('fab'), 5, { temperature: 0 }).contiguousData()))
    expect(text).toBe(want)
    expect(text.startsWith('fab')).toBe(true)
    expect(text).toHaveLength(8)
    expect(chunks[0]).toBe('fab')
    expect(chunks.join('')).toBe(text + '\n')
    expect(headers).toEqual([expect.stringMatching(/^model: runs\/x \(step 12, 0\.\d\dM parameters\)$/)])
    expect(stats).toMatchObject({ promptTokens: 3, generatedTokens: 4 })
    expect(stats.promptMs).toBeGreaterThanOrEqual(0)
  })

  it('the same seed samples the same text', () => {
    const { run } = savedGPT()
    const once = () => sampleGPT(run, { prompt: 'a', tokens: 8, temperature: 1, seed: 7 }, () => {})
    expect(once()).toBe(once())
  })

  it('refuses another kind, a prompt outside the vocabulary and an empty prompt', () => {
    expect(() => sampleGPT(savedGPT('bert').run, { prompt: 'a', tokens: 1, temperature: 0, seed: 0 }, () => {})).toThrow(CheckpointError)
    const { run } = savedGPT()
    expect(() => sampleGPT(run, { ckpt: 'runs/x', prompt: 'xyz', tokens: 1, temperature: 0, seed: 0 }, () => {})).toThrow(VocabularyError)
    expect(() => sampleGPT(run, { ckpt: 'runs/x', prompt: 'xyz', tokens: 1, temperature: 0, seed: 0 }, () => {})).toThrow(/cannot be encoded with the vocabulary of runs\/x/)
    expect(() => sampleGPT(run, { prompt: '', tokens: 1, temperature: 0, seed: 0 }, () => {})).toThrow(UsageError)
  })
})
