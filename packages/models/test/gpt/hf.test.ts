import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Tensor, manualSeed, noGrad } from '@adjoint/core'
import { assertClose } from '@adjoint/core/testing'
import { describe, expect, it } from 'vitest'
import { ConfigError, GPT, GPT2_DEFAULTS, fromHuggingFaceGPT2, gpt2ConfigFromHF, gpt2ConfigToHF, gptConfig, inferGPTConfig, isConv1DWeight, toHuggingFaceGPT2 } from '../../src/index.js'

interface Fixture {
  config: { vocabSize: number; blockSize: number; nLayer: number; nHead: number; nEmbd: number }
  stateDict: Record<string, { shape: number[]; data: number[] }>
  idx: number[][]
  targets: number[][]
  logits: number[]
  loss: number
}
const fx = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/gpt2-tiny.json'), 'utf8')) as Fixture
const hfState = () => Object.fromEntries(Object.entries(fx.stateDict).map(([k, v]) => [k, Tensor.fromArray(Float64Array.from(v.data), v.shape, 'float64')]))
const ids = (rows: number[][]) => Tensor.fromArray(Int32Array.from(rows.flat()), [rows.length, rows[0].length], 'int32')

describe('Hugging Face GPT-2 weights', () => {
  it('knows which weights are Conv1D', () => {
    expect(isConv1DWeight('transformer.h.3.attn.c_attn.weight')).toBe(true)
    expect(isConv1DWeight('h.0.mlp.c_proj.weight')).toBe(true)
    expect(isConv1DWeight('transformer.h.3.attn.c_attn.bias')).toBe(false)
    expect(isConv1DWeight('transformer.wte.weight')).toBe(false)
  })

  it('loads a HF-layout state dict and computes the logits and loss PyTorch computed', () => {
    const sd = fromHuggingFaceGPT2(hfState())
    const cfg = { ...inferGPTConfig(sd, fx.config.nHead), activation: 'geluTanh' as const }
    expect(cfg).toMatchObject({ ...fx.config, bias: true, tieWeights: true })
    const model = new GPT(cfg).double()
    model.loadStateDict(sd)
    const { logits, loss } = noGrad(() => model.forward(ids(fx.idx), ids(fx.targets)))
    const got = logits.contiguousData()
    assertClose(got, fx.logits, { rtol: 0, atol: 1e-9, what: 'logits' })
    expect(loss!.item()).toBeCloseTo(fx.loss, 9)
  })

  it('exports to the HF layout and back unchanged (Conv1D weights transposed both ways)', () => {
    manualSeed(0)
    const model = new GPT({ vocabSize: 20, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 })
    const hf = toHuggingFaceGPT2(model.stateDict())
    expect(hf['transformer.h.1.attn.c_attn.weight'].shape).toEqual([8, 24])
    expect(hf['transformer.h.1.mlp.c_proj.weight'].shape).toEqual([32, 8])
    expect(hf['transformer.h.1.mlp.c_fc.weight'].shape).toEqual([8, 32])
    const w = model.stateDict()['transformer.h.1.attn.c_attn.weight']
    expect(hf['transformer.h.1.attn.c_attn.weight'].contiguousData()[1 * 24 + 5]).toBe(w.contiguousData()[5 * 8 + 1])
    // HF's buffers are dropped, a bare GPT2Model prefix is accepted, lm_head re-tied
    const back: Record<string, Tensor> = {}
    for (const [k, t] of Object.entries(hf)) if (k !== 'lm_head.weight') back[k.replace(/^transformer\./, '')] = t
    back['h.0.attn.bias'] = Tensor.empty([1, 1, 8, 8], 'float32')
    const sd = fromHuggingFaceGPT2(back)
    const copy = new GPT({ vocabSize: 20, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 })
    copy.loadStateDict(sd)
    for (const [k, t] of Object.entries(model.stateDict())) expect(copy.stateDict()[k].toArray()).toEqual(t.toArray())
  })
})

describe('GPT-2 config.json', () => {
  const hfJson = () => JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/hf/gpt2/config.json'), 'utf8')) as Record<string, unknown>

  it('reads the config transformers wrote', () => {
    expect(gpt2ConfigFromHF(hfJson())).toEqual({ vocabSize: 64, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0.1, bias: true, tieWeights: true, activation: 'geluTanh' })
  })

  it('writes every field transformers writes, and reads it back to the same config', () => {
    const c = gptConfig({ vocabSize: 64, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0.1 })
    const hf = gpt2ConfigToHF(c, { eosTokenId: 63 })
    const want = hfJson()
    delete want.transformers_version
    expect(hf).toEqual(want)
    expect(gpt2ConfigFromHF(hf)).toEqual(c)
    const exact = gpt2ConfigToHF({ ...c, activation: 'gelu', tieWeights: false })
    expect([exact.activation_function, exact.tie_word_embeddings, exact.eos_token_id]).toEqual(['gelu', false, null])
    expect(gpt2ConfigFromHF(exact)).toMatchObject({ activation: 'gelu', tieWeights: false })
  })

  it('fills missing fields with GPT-2 small', () => {
    expect(gpt2ConfigFromHF({ model_type: 'gpt2' })).toEqual({ ...GPT2_DEFAULTS, dropout: 0.1 })
    expect(GPT2_DEFAULTS).toMatchObject({ vocabSize: 50257, blockSize: 1024, nLayer: 12, nHead: 12, nEmbd: 768 })
  })

  it('refuses what adjoint cannot reproduce, naming the field', () => {
    const bad = (o: Record<string, unknown>) => () => gpt2ConfigFromHF({ ...hfJson(), ...o })
    expect(bad({ activation_function: 'relu' })).toThrow(ConfigError)
    expect(bad({ activation_function: 'relu' })).toThrow(/activation_function = "relu" is not supported/)
    expect(bad({ n_inner: 32 })).toThrow(/n_inner = 32/)
    expect(bad({ layer_norm_epsilon: 1e-6 })).toThrow(/layer_norm_epsilon/)
    expect(bad({ scale_attn_by_inverse_layer_idx: true })).toThrow(/scale_attn_by_inverse_layer_idx/)
    expect(bad({ attn_pdrop: 0.2 })).toThrow(/got 0.1, 0.1, 0.2/)
    expect(gpt2ConfigFromHF({ ...hfJson(), n_inner: 64 }).nEmbd).toBe(16)
  })
})
