// The line protocol between bench:train and the processes of an interleaved
// pair: command and reply parsing, and the client against a child process.
import { describe, expect, it } from 'vitest'
import { REPLY_PREFIX, StepServer, parseCommand, parseReply, roundTimes, timedSteps } from '../src/step-server.js'

describe('parseCommand', () => {
  it('reads a name and an optional count', () => {
    expect(parseCommand('steps 20')).toEqual({ name: 'steps', n: 20 })
    expect(parseCommand('  info ')).toEqual({ name: 'info', n: 0 })
  })

  it('names the line it cannot read', () => {
    expect(() => parseCommand('steps -1')).toThrow(/cannot read the command "steps -1"/)
    expect(() => parseCommand('steps 2 3')).toThrow(/expected a name and an optional count/)
  })
})

describe('parseReply', () => {
  it('returns the object of a reply line and null for the child\'s other output', () => {
    expect(parseReply(`${REPLY_PREFIX}{"a":1}`, 'side')).toEqual({ a: 1 })
    expect(parseReply('a warning from a library', 'side')).toBeNull()
  })

  it('throws the error a reply carries, and on a reply that is not a JSON object', () => {
    expect(() => parseReply(`${REPLY_PREFIX}{"error":"unknown command"}`, 'PyTorch')).toThrow('PyTorch: unknown command')
    expect(() => parseReply(`${REPLY_PREFIX}{oops`, 'PyTorch')).toThrow(/its reply is not JSON/)
    expect(() => parseReply(`${REPLY_PREFIX}[1]`, 'PyTorch')).toThrow(/not a JSON object/)
  })
})

describe('roundTimes', () => {
  it('checks that a steps reply has K finite times of each kind', () => {
    expect(roundTimes({ times_ms: [1, 2], cpu_ms: [1, 1.5], idle_cpu_ms: 0.5 }, 2, 's')).toEqual({ times_ms: [1, 2], cpu_ms: [1, 1.5], idle_cpu_ms: 0.5 })
    expect(roundTimes({ times_ms: [1], cpu_ms: [1] }, 1, 's')).toEqual({ times_ms: [1], cpu_ms: [1] })
    expect(() => roundTimes({ times_ms: [1], cpu_ms: [1, 2] }, 2, 's')).toThrow(/"steps 2" answered times_ms = \[1\] \(expected 2 finite times/)
    expect(() => roundTimes({ times_ms: [NaN], cpu_ms: [1] }, 1, 's')).toThrow(/times_ms/)
    expect(() => roundTimes({ times_ms: [1] }, 1, 's')).toThrow(/cpu_ms = undefined/)
  })
})

describe('timedSteps', () => {
  it('times each step and counts the CPU used between calls', () => {
    let n = 0
    const run = timedSteps(() => { n++ })
    const r = run(3)
    expect(n).toBe(3)
    expect(r.times_ms).toHaveLength(3)
    expect(r.cpu_ms).toHaveLength(3)
    expect(r.times_ms.every((t) => t >= 0 && t < 1000)).toBe(true)
    expect(r.idle_cpu_ms).toBeGreaterThanOrEqual(0)
  })
})

// A child speaking the protocol, as train-step*.py do: it prints a stray line before each reply.
const child = `
const rl = require('node:readline').createInterface({ input: process.stdin })
rl.on('line', (line) => {
  const [name, k] = line.split(' ')
  console.log('some output of the child')
  if (name === 'steps') console.log('${REPLY_PREFIX}' + JSON.stringify({ times_ms: Array(+k).fill(2), cpu_ms: Array(+k).fill(1), idle_cpu_ms: 0 }))
  else if (name === 'die') process.exit(3)
  else console.log('${REPLY_PREFIX}' + JSON.stringify({ error: 'unknown command ' + name }))
})`

describe('StepServer', () => {
  it('sends commands to a child and reads its replies, in order', async () => {
    const s = new StepServer('test child', process.execPath, ['-e', child])
    try {
      const [r1, r2] = await Promise.all([s.steps(2), s.steps(1)])
      expect(r1).toEqual({ times_ms: [2, 2], cpu_ms: [1, 1], idle_cpu_ms: 0 })
      expect(r2.times_ms).toEqual([2])
      await expect(s.request('what')).rejects.toThrow('test child: unknown command what')
    } finally {
      await s.close()
    }
  })

  it('fails the pending request when the child exits without answering, and every request after', async () => {
    const s = new StepServer('test child', process.execPath, ['-e', child])
    await expect(s.request('die')).rejects.toThrow(/test child .* exited \(code 3\) before answering/s)
    await expect(s.steps(1)).rejects.toThrow(/exited \(code 3\)/)
    await s.close()
  })

  it('fails when the program cannot run', async () => {
    const s = new StepServer('missing', '/nonexistent/python3', [])
    await expect(s.steps(1)).rejects.toThrow(/missing .* could not run/)
  })
})
