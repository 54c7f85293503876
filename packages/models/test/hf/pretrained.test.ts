// Hugging Face folders both ways. fixtures/hf/ was written by
// fixtures/generate_hf_folders.py (plain PyTorch after transformers' GPT-2,
// BERT and T5, save_pretrained's file layout) with the logits PyTorch computed.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, cpSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Tensor, manualSeed, noGrad } from '@adjoint/core'
import { loadWithMetadata, type Module } from '@adjoint/nn'
import { afterAll, describe, expect, it } from 'vitest'
import { BPETokenizer, BertForMaskedLM, CharTokenizer, GPT, T5ForConditionalGeneration, fromHuggingFaceGPT2, fromPretrained, isHuggingFaceFolder, loadHuggingFaceWeights, openHuggingFaceFolder, saveHuggingFace } from '../../src/index.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/hf')
interface Case { kind: string; input_ids: number[][]; labels?: number[][]; logits: number[] }
const cases = (JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as { cases: Record<string, Case> }).cases
const tmp = mkdtempSync(join(tmpdir(), 'adjoint-hf-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const ids = (rows: number[][]) => Tensor.fromArray(Int32Array.from(rows.flat()), [rows.length, rows[0].length], 'int32')

/** Logits of a loaded model for a fixture case, in float64. */
function logits(model: Module, c: Case): Tensor {
  return noGrad(() => {
    const x = ids(c.input_ids)
    if (model instanceof GPT) return model.forward(x).logits
    if (model instanceof BertForMaskedLM) return model.forward({ inputIds: x, attentionMask: x.ne(-1), tokenTypeIds: x.mul(0) }).logits
    return (model as T5ForConditionalGeneration).forward({ inputIds: x, attentionMask: x.ne(-1), labels: ids(c.labels!) }).logits
  })
}

function worstDiff(got: Tensor, want: number[]): number {
  const g = got.contiguousData()
  expect(g.length).toBe(want.length)
  let worst = 0
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Number.isNaN(g[i]) ? Infinity : Math.abs(g[i] - want[i]) / (1 + Math.abs(want[i])))
  return worst
}

describe('fromPretrained', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: gives the logits PyTorch computed`, () => {
      const p = fromPretrained(join(FIXTURES, name))
      expect(p.kind).toBe(c.kind === 'gpt2' ? 'gpt' : c.kind)
      p.model.double()
      expect(worstDiff(logits(p.model, c), c.logits)).toBeLessThan(1e-9)
    })
  }

  it('keeps a tied head tied, an untied one untied, and reads gelu_new as the tanh GELU', () => {
    const tied = fromPretrained(join(FIXTURES, 'gpt2')).model as GPT
    expect(tied.lm_head.weight).toBe(tied.transformer.wte.weight)
    expect(tied.config.activation).toBe('geluTanh')
    // a file that holds lm_head.weight with tie_word_embeddings true stays tied (transformers ties after loading)
    const sd = { ...loadWithMetadata(join(FIXTURES, 'gpt2', 'model.safetensors')).tensors }
    sd['lm_head.weight'] = sd['transformer.wte.weight'].mul(2)
    const mapped = fromHuggingFaceGPT2(sd, { tieWeights: true })
    expect(mapped['lm_head.weight']).toBe(mapped['transformer.wte.weight'])
    const untied = fromPretrained(join(FIXTURES, 'gpt2-untied-bf16')).model as GPT
    expect(untied.config.tieWeights).toBe(false)
    expect(untied.lm_head.weight).not.toBe(untied.transformer.wte.weight)
  })

  it('names the config field it cannot reproduce', () => {
    const edit = (name: string, change: Record<string, unknown>) => {
      const d = join(tmp, `edit-${name}-${Object.keys(change)[0]}`)
      cpSync(join(FIXTURES, name), d, { recursive: true })
      const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'))
      writeFileSync(join(d, 'config.json'), JSON.stringify({ ...cfg, ...change }))
      return () => fromPretrained(d)
    }
    expect(edit('bert', { position_embedding_type: 'relative_key' })).toThrow(/position_embedding_type = "relative_key" is not supported/)
    expect(edit('gpt2', { activation_function: 'silu' })).toThrow(/activation_function = "silu" is not supported/)
    expect(edit('gpt2', { n_inner: 7 })).toThrow(/n_inner = 7 is not supported/)
    expect(edit('t5', { feed_forward_proj: 'gated-silu' })).toThrow(/feed_forward_proj = "gated-silu" is not supported/)
    expect(edit('t5', { model_type: 'llama' })).toThrow(/model_type = "llama" is not supported/)
  })
})

describe('saveHuggingFace', () => {
  it('writes what it read: the same tensors, names and layout, with format: pt, tied weights once', () => {
    for (const name of ['gpt2', 'bert', 't5', 't5-gated']) {
      const p = fromPretrained(join(FIXTURES, name))
      const out = join(tmp, `re-${name}`)
      saveHuggingFace(p.model, null, out)
      const a = loadWithMetadata(join(FIXTURES, name, 'model.safetensors')), b = loadWithMetadata(join(out, 'model.safetensors'))
      expect(b.metadata.format).toBe('pt')
      expect(Object.keys(b.tensors).sort()).toEqual(Object.keys(a.tensors).sort())
      for (const [k, t] of Object.entries(a.tensors)) {
        expect(b.tensors[k].shape, k).toEqual(t.shape)
        expect(Array.from(b.tensors[k].contiguousData()), k).toEqual(Array.from(t.contiguousData()))
      }
      const want = JSON.parse(readFileSync(join(FIXTURES, name, 'config.json'), 'utf8')), got = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))
      for (const k of Object.keys(want)) if (!['transformers_version', 'bos_token_id', 'eos_token_id', 'classifier_dropout'].includes(k)) expect(got[k], `${name} config ${k}`).toEqual(want[k])
    }
  })

  it('a GPT trained without biases is written with zero biases and computes the same logits', () => {
    manualSeed(1)
    const model = new GPT({ vocabSize: 30, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, bias: false, activation: 'gelu' })
    const out = join(tmp, 'nobias')
    saveHuggingFace(model, null, out)
    const back = fromPretrained(out).model as GPT
    expect(back.config).toMatchObject({ bias: true, activation: 'gelu' })
    const x = ids([[1, 2, 3, 29, 0]])
    const a = noGrad(() => model.forward(x).logits).contiguousData(), b = noGrad(() => back.forward(x).logits).contiguousData()
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-6)
  })

  it('writes the BPE tokenizer files, which load back with the model', () => {
    const tok = BPETokenizer.train('the jury said the election was fair; the jury said so. '.repeat(10), { vocabSize: 280, specialTokens: ['<|endoftext|>'] })
    manualSeed(2)
    const model = new GPT({ vocabSize: tok.vocabSize, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 })
    const out = join(tmp, 'with-bpe')
    const r = saveHuggingFace(model, tok, out)
    expect(r.notes).toEqual([])
    expect(readdirSync(out).sort()).toEqual(['config.json', 'merges.txt', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.json'])
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))
    expect(cfg).toMatchObject({ model_type: 'gpt2', activation_function: 'gelu_new', eos_token_id: tok.specialId('<|endoftext|>'), tie_word_embeddings: true })
    expect(JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8'))).toMatchObject({ eos_token: '<|endoftext|>', model_max_length: 8 })
    expect(Object.keys(loadWithMetadata(join(out, 'model.safetensors')).tensors)).not.toContain('lm_head.weight')
    const back = fromPretrained(out)
    expect(back.tokenizer!.encode('the jury<|endoftext|>')).toEqual(tok.encode('the jury<|endoftext|>'))
  })

  it('says a char-level tokenizer has no Hugging Face equivalent and writes what it can', () => {
    const tok = CharTokenizer.fromText('hello world')
    const model = new GPT({ vocabSize: tok.vocabSize, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 })
    const out = join(tmp, 'with-char')
    const r = saveHuggingFace(model, tok, out)
    expect(r.notes.join()).toMatch(/char-level tokenizer has no Hugging Face equivalent/)
    expect(existsSync(join(out, 'tokenizer.json'))).toBe(false)
    expect(fromPretrained(out).tokenizer!.encode('hello')).toEqual(tok.encode('hello'))
  })

  it('replaces a folder as a whole, only when asked, leaving no temporary folder', () => {
    const model = new GPT({ vocabSize: 10, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 })
    const out = join(tmp, 'atomic')
    saveHuggingFace(model, null, out)
    writeFileSync(join(out, 'stale.txt'), 'old')
    expect(() => saveHuggingFace(model, null, out)).toThrow(/exists and is not empty/)
    saveHuggingFace(model, null, out, { overwrite: true })
    expect(existsSync(join(out, 'stale.txt'))).toBe(false)
    expect(readdirSync(tmp).filter((f) => f.startsWith('.'))).toEqual([])
  })
})

describe('opening a Hugging Face folder step by step', () => {
  it('tells a Hugging Face folder from an adjoint run or a plain folder', () => {
    expect(isHuggingFaceFolder(join(FIXTURES, 'gpt2'))).toBe(true)
    expect(isHuggingFaceFolder(FIXTURES)).toBe(false)
    const run = join(tmp, 'run-like')
    mkdirSync(run)
    writeFileSync(join(run, 'config.json'), JSON.stringify({ model_type: 'gpt2', format: 'adjoint-run' }))
    expect(isHuggingFaceFolder(run)).toBe(false)
    const broken = join(tmp, 'broken-json')
    mkdirSync(broken)
    writeFileSync(join(broken, 'config.json'), '{nope')
    expect(isHuggingFaceFolder(broken)).toBe(false)
    expect(() => openHuggingFaceFolder(broken)).toThrow(/config\.json is not valid JSON/)
    expect(() => openHuggingFaceFolder(join(tmp, 'missing'))).toThrow(/is not a folder/)
    expect(() => openHuggingFaceFolder(FIXTURES)).toThrow(/has no config\.json/)
  })

  it('reads the kind and config first, and the weights into a model on demand', () => {
    const f = openHuggingFaceFolder(join(FIXTURES, 'gpt2'))
    expect(f.kind.kind).toBe('gpt')
    expect(f.hfConfig.model_type).toBe('gpt2')
    expect(f.config).toMatchObject({ vocabSize: 64, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 })
    const model = f.kind.build(f.config) as GPT
    loadHuggingFaceWeights(f, model)
    model.eval()
    expect(worstDiff(logits(model, cases.gpt2), cases.gpt2.logits)).toBeLessThan(1e-4)
  })

  it('names the folder when the weights do not fit the model', () => {
    const f = openHuggingFaceFolder(join(FIXTURES, 'gpt2'))
    const wrong = new GPT({ vocabSize: 64, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16 })
    expect(() => loadHuggingFaceWeights(f, wrong)).toThrow(/model\.safetensors does not fit the model its config\.json describes/)
  })
})
