// `adjoint sample --help` states each model kind's own defaults.
import { describe, expect, it } from 'vitest'
import { runCli } from './run-cli.js'

describe('adjoint sample --help', () => {
  it('gives the defaults of GPT, BERT and T5', async () => {
    const r = await runCli(['sample', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/--tokens N +tokens to generate \(default 300; bert 64; t5 64\)/)
    expect(r.stdout).toMatch(/--temperature T +softmax temperature, 0 = greedy \(default 0\.8; bert 0; t5 0\)/)
    expect(r.stdout).toMatch(/--prompt TEXT +what the text starts with \(default "The "; bert a Brown-corpus sentence with two \[MASK\]s; t5 /)
  }, 60_000)
})
