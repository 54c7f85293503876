// bench:train's profile tables: PyTorch's side (torch_common.profile's ops).
import { describe, expect, it } from 'vitest'
import { torchProfileText, type TorchProfile } from '../src/kernel-profile.js'

describe('torchProfileText', () => {
  it('lists the 20 largest ops of at least 0.05 ms, the others in one row, and the total', () => {
    const ops: TorchProfile['ops'] = [['aten::mm', 20, 50], ['aten::addmm', 10, 25]]
    for (let i = 0; i < 25; i++) ops.push([`aten::op${i}`, 0.5, 2])
    const text = torchProfileText({ steps: 30, step_ms: 50, ops }, 1)
    expect(text).toMatch(/^PyTorch's step, the same way \(30 steps on 1 thread under torch.autograd.profiler, 50.0 ms per step/)
    expect(text).toContain('| aten::mm | 20.0 | 50 | 40% |')
    expect(text).toContain('| aten::op17 | 0.5 | 2 | 1% |')
    expect(text).not.toContain('aten::op18 |')
    expect(text).toContain('| 7 other ops | 3.5 | 14 | 7% |')
    expect(text).toContain('| **all ops** | 42.5 | 125 | 85% |')
  })

  it('puts the ops under 0.05 ms per step in the others row', () => {
    const text = torchProfileText({ steps: 1, step_ms: 10, ops: [['aten::mm', 5, 1], ['aten::tiny', 0.01, 3]] }, 2)
    expect(text).toContain('on 2 threads')
    expect(text).toContain('| 1 other ops | 0.0 | 3 | 0% |')
  })
})
