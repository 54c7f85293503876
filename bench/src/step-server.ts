// The line protocol between bench:train and a side of an interleaved pair that
// runs in its own process (PyTorch's train-step*.py via torch_common.serve,
// adjoint's BERT/T5 child via serveSteps below): the bench writes one command
// a line on the child's stdin, the child answers each with one line on its
// stdout, `step-server: ` and a JSON object. Commands:
//   steps K    run K training steps; answers {"times_ms": [...], "cpu_ms": [...], "idle_cpu_ms": x}
//              (wall and process CPU time of each step, and the CPU time the process used since its
//              previous answer, i.e. while it waited)
//   info       the side's figures (peak RSS, losses, versions, ...), side-specific
//   profile K  (adjoint only) K steps with every backend kernel timed
// A failed command answers {"error": "..."}; end of input ends the child.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { RoundTimes } from './pair-rounds.js'

export const REPLY_PREFIX = 'step-server: '

/** A command line: its name and its count (0 when it has none); throws a message naming the line otherwise. */
export function parseCommand(line: string): { name: string; n: number } {
  const m = /^\s*([a-z]+)(?:\s+(\d+))?\s*$/.exec(line)
  if (!m) throw new Error(`step-server: cannot read the command ${JSON.stringify(line)} (expected a name and an optional count, e.g. "steps 20")`)
  return { name: m[1]!, n: m[2] === undefined ? 0 : Number(m[2]) }
}

/** The JSON object of a reply line, or null for a line that is not a reply (the child's own output); a reply carrying an error throws it. */
export function parseReply(line: string, who: string): Record<string, unknown> | null {
  if (!line.startsWith(REPLY_PREFIX)) return null
  let v: unknown
  try {
    v = JSON.parse(line.slice(REPLY_PREFIX.length))
  } catch {
    throw new Error(`${who}: its reply is not JSON: ${JSON.stringify(line.slice(0, 200))}`)
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${who}: its reply is not a JSON object: ${JSON.stringify(line.slice(0, 200))}`)
  const o = v as Record<string, unknown>
  if (typeof o.error === 'string') throw new Error(`${who}: ${o.error}`)
  return o
}

/** A "steps K" reply checked: K finite non-negative wall and CPU times. */
export function roundTimes(reply: Record<string, unknown>, steps: number, who: string): RoundTimes {
  const nums = (k: string): number[] => {
    const a = reply[k]
    if (!Array.isArray(a) || a.length !== steps || !a.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
      throw new Error(`${who}: "steps ${steps}" answered ${k} = ${JSON.stringify(a)?.slice(0, 120)} (expected ${steps} finite times in ms)`)
    }
    return a as number[]
  }
  const idle = reply.idle_cpu_ms
  return { times_ms: nums('times_ms'), cpu_ms: nums('cpu_ms'), ...(typeof idle === 'number' && Number.isFinite(idle) ? { idle_cpu_ms: idle } : {}) }
}

/** The bench's end of a child that serves the protocol: one request at a time. */
export class StepServer {
  private readonly child: ChildProcess
  private readonly waiting: { resolve: (o: Record<string, unknown>) => void; reject: (e: Error) => void }[] = []
  private exited: string | null = null

  constructor(readonly who: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'inherit'] })
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let reply: Record<string, unknown> | null
      try {
        reply = parseReply(line, who)
      } catch (e) {
        this.waiting.shift()?.reject(e as Error)
        return
      }
      if (reply === null) console.log(`[${who}] ${line}`)
      else this.waiting.shift()?.resolve(reply)
    })
    const fail = (why: string) => {
      this.exited = `${who} (${command} ${args.join(' ')}) ${why}`
      for (const w of this.waiting.splice(0)) w.reject(new Error(this.exited))
    }
    this.child.on('error', (e) => fail(`could not run: ${e.message}`))
    this.child.stdin!.on('error', () => {}) // a write to a child that died (EPIPE): reported by 'exit'/'error' above
    this.child.on('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`}) before answering; its stderr is above`))
  }

  request(command: string): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(new Error(this.exited))
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject })
      this.child.stdin!.write(`${command}\n`)
    })
  }

  async steps(k: number): Promise<RoundTimes> {
    return roundTimes(await this.request(`steps ${k}`), k, this.who)
  }

  /** Ends the child (end of its input) and waits for it. */
  close(): Promise<void> {
    if (this.exited) return Promise.resolve()
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve())
      this.child.stdin!.end()
    })
  }
}

/** CPU time of this process in ms (user + system, all threads). */
export const processCpuMs = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/**
 * k steps of `step`, timed as a "steps" reply: wall and CPU time of each, and
 * the CPU this process used since the previous call ended (while it waited).
 */
export function timedSteps(step: () => void): (k: number) => RoundTimes {
  let lastEnd = processCpuMs()
  return (k) => {
    const idle = processCpuMs() - lastEnd
    const times_ms: number[] = [], cpu_ms: number[] = []
    for (let i = 0; i < k; i++) {
      const s = performance.now(), c = processCpuMs()
      step()
      times_ms.push(performance.now() - s)
      cpu_ms.push(processCpuMs() - c)
    }
    lastEnd = processCpuMs()
    return { times_ms, cpu_ms, idle_cpu_ms: idle }
  }
}

/** A node child's side of the protocol: answers each command line on stdin with handlers[name](count), until stdin ends. */
export async function serveSteps(handlers: Record<string, (n: number) => unknown>): Promise<void> {
  const reply = (o: unknown) => process.stdout.write(`${REPLY_PREFIX}${JSON.stringify(o)}\n`)
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue
    try {
      const { name, n } = parseCommand(line)
      const h = handlers[name]
      if (!h) throw new Error(`unknown command ${JSON.stringify(name)} (this side answers ${Object.keys(handlers).join(', ')})`)
      reply(await h(n))
    } catch (e) {
      reply({ error: (e as Error).message })
    }
  }
}
