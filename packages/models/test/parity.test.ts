// BERT and T5 against a PyTorch reference (fixtures/generate_bert_t5_fixtures.py:
// plain PyTorch following HF transformers' modeling_bert.py / modeling_t5.py,
// float64, eval mode). The same weights are loaded by name into adjoint's
// models; outputs, the loss and every parameter's gradient must agree.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Tensor } from '@adjoint/core'
import { assertClose } from '@adjoint/core/testing'
import type { Module } from '@adjoint/nn'
import { describe, expect, it } from 'vitest'
import { BertForMaskedLM, BertForSequenceClassification } from '../src/bert/heads.js'
import { bertConfigFromHF } from '../src/bert/config.js'
import { relativePositionBucket } from '../src/t5/attention.js'
import { t5ConfigFromHF } from '../src/t5/config.js'
import { T5ForConditionalGeneration } from '../src/t5/model.js'

interface Arr { shape: number[]; data: number[] }
interface Case {
  name: string
  model: string
  config: Record<string, unknown>
  inputs: Record<string, Arr>
  state_dict: Record<string, Arr>
  outputs: Record<string, Arr>
  grads: Record<string, Arr>
}
interface Fixture {
  cases: Case[]
  relative_position_buckets: { num_buckets: number; max_distance: number; bidirectional: boolean; min_relative_position: number; buckets: number[] }[]
}

const here = dirname(fileURLToPath(import.meta.url))
const fixture = JSON.parse(readFileSync(join(here, 'fixtures', 'bert-t5-reference.json'), 'utf8')) as Fixture

const f64 = (a: Arr) => Tensor.fromArray(Float64Array.from(a.data), a.shape, 'float64')
const i32 = (a: Arr) => Tensor.fromArray(Int32Array.from(a.data), a.shape, 'int32')

function expectClose(name: string, got: Tensor, want: Arr, tol = 1e-9): void {
  expect(got.shape, `${name} shape`).toEqual(want.shape)
  assertClose(got.contiguousData(), want.data, { rtol: tol, atol: tol, what: name })
}

function load(model: Module, c: Case): void {
  const sd: Record<string, Tensor> = {}
  for (const [k, v] of Object.entries(c.state_dict)) sd[k] = f64(v)
  model.double()
  model.loadStateDict(sd) // strict: the key sets are the same
  model.eval()
}

function checkGrads(model: Module, c: Case): void {
  const params = Object.fromEntries(model.namedParameters())
  expect(Object.keys(params).sort()).toEqual(Object.keys(c.grads).sort())
  for (const [k, want] of Object.entries(c.grads)) {
    expect(params[k].grad, `${k} has a gradient`).not.toBeNull()
    expectClose(`grad ${k}`, params[k].grad!, want)
  }
}

const byName = (n: string) => fixture.cases.find((c) => c.name === n)!

describe('BERT matches the PyTorch reference', () => {
  it('BertForMaskedLM: hidden states, logits, loss and all gradients', () => {
    const c = byName('bert_mlm')
    const model = new BertForMaskedLM(bertConfigFromHF(c.config))
    load(model, c)
    const out = model.forward({ inputIds: i32(c.inputs.input_ids), attentionMask: i32(c.inputs.attention_mask), tokenTypeIds: i32(c.inputs.token_type_ids), labels: i32(c.inputs.labels) })
    // padded positions' hidden states are not compared (they are garbage in both)
    const keep = c.inputs.attention_mask.data
    const H = c.outputs.last_hidden_state.shape[2]
    const h = out.lastHiddenState.contiguousData(), want = c.outputs.last_hidden_state.data
    for (let p = 0; p < keep.length; p++) if (keep[p]) for (let j = 0; j < H; j++) expect(Math.abs(h[p * H + j] - want[p * H + j])).toBeLessThan(1e-9)
    expectClose('logits (real tokens)', out.logits.reshape([-1, c.config.vocab_size as number]).indexSelect(0, Tensor.fromArray(Int32Array.from(keep.flatMap((k, i) => (k ? [i] : []))), [keep.filter(Boolean).length], 'int32')),
      { shape: [keep.filter(Boolean).length, c.config.vocab_size as number], data: keep.flatMap((k, i) => (k ? c.outputs.logits.data.slice(i * (c.config.vocab_size as number), (i + 1) * (c.config.vocab_size as number)) : [])) })
    expectClose('loss', out.loss!, c.outputs.loss)
    out.loss!.backward()
    checkGrads(model, c) // including the [PAD] row: no gradient from the lookup (padding_idx), but one from the tied decoder
  })

  it('BertForSequenceClassification: pooled output, logits, loss and all gradients', () => {
    const c = byName('bert_cls')
    const model = new BertForSequenceClassification(bertConfigFromHF(c.config))
    load(model, c)
    const out = model.forward({ inputIds: i32(c.inputs.input_ids), attentionMask: i32(c.inputs.attention_mask), tokenTypeIds: i32(c.inputs.token_type_ids), labels: i32(c.inputs.labels) })
    const { poolerOutput } = model.bert.forward({ inputIds: i32(c.inputs.input_ids), attentionMask: i32(c.inputs.attention_mask), tokenTypeIds: i32(c.inputs.token_type_ids) })
    expectClose('pooler_output', poolerOutput!, c.outputs.pooler_output)
    expectClose('logits', out.logits, c.outputs.logits)
    expectClose('loss', out.loss!, c.outputs.loss)
    out.loss!.backward()
    checkGrads(model, c)
  })
})

describe('T5 matches the PyTorch reference', () => {
  for (const name of ['t5_relu_tied', 't5_gated_untied']) {
    it(`${name}: encoder and decoder states, logits, loss and all gradients`, () => {
      const c = byName(name)
      const model = new T5ForConditionalGeneration(t5ConfigFromHF(c.config))
      load(model, c)
      const inputIds = i32(c.inputs.input_ids), attentionMask = i32(c.inputs.attention_mask)
      const out = model.forward({ inputIds, attentionMask, labels: i32(c.inputs.labels) })
      expectClose('logits', out.logits, c.outputs.logits)
      expectClose('loss', out.loss!, c.outputs.loss)
      // encoder states at real tokens
      const keep = c.inputs.attention_mask.data, D = c.outputs.encoder_last_hidden_state.shape[2]
      const e = out.encoderLastHiddenState.contiguousData(), want = c.outputs.encoder_last_hidden_state.data
      for (let p = 0; p < keep.length; p++) if (keep[p]) for (let j = 0; j < D; j++) expect(Math.abs(e[p * D + j] - want[p * D + j])).toBeLessThan(1e-9)
      out.loss!.backward()
      checkGrads(model, c)
    })
  }

  it('relative position buckets equal HF\'s _relative_position_bucket exactly', () => {
    for (const t of fixture.relative_position_buckets) {
      const got = t.buckets.map((_, i) => relativePositionBucket(t.min_relative_position + i, t.bidirectional, t.num_buckets, t.max_distance))
      expect(got, `buckets ${t.num_buckets}/${t.max_distance}/${t.bidirectional}`).toEqual(t.buckets)
    }
  })
})
