// Runs the code typed in the editor: a function body with every export of
// @adjoint/core in scope (tensor, randn, softmax, autograd, defineFunction, ...)
// plus check(fn, inputs) to pick what the gradcheck button checks. It returns
// the tensor(s) to draw; trace() records its forward ops and backward steps.
// No DOM here: the browser test runs the same code in Node through this file.
import * as core from '@adjoint/core'
import { AdjointError, Tensor, manualSeed, trace, type TraceResult } from '@adjoint/core'

/** A function and inputs registered with check(), for the gradcheck button. */
export interface CheckRequest {
  fn: (...inputs: Tensor[]) => Tensor
  inputs: Tensor[]
}

export interface UserError {
  /** The error's class: ShapeError, AutogradError, ... (SyntaxError for code that does not parse). */
  name: string
  message: string
  /** 1-based line in the editor, when the stack tells. */
  line?: number
  /** True for adjoint's own typed errors (AdjointError subclasses). */
  typed: boolean
}

export interface RunResult {
  /** The tensors the code returned (the graph's roots); empty on error. */
  roots: Tensor[]
  trace: TraceResult<unknown> | null
  checks: CheckRequest[]
  /** The backward source of each op the code defined with defineFunction, by op name: its "rule". */
  customBackwards: Map<string, string>
  error: UserError | null
}

const IDENT = /^[A-Za-z_$][\w$]*$/
/** True when `name` can be a strict-mode parameter (not a reserved word such as core's `var`). */
function isParameterName(name: string): boolean {
  if (!IDENT.test(name)) return false
  try { new Function(name, '"use strict"'); return true } catch { return false }
}
/** The names the editor's code sees: every export of @adjoint/core that can be a variable name. */
export const scopeNames: string[] = Object.keys(core).filter(isParameterName)

// new Function puts two lines ("function anonymous(...", ") {") before the body, and we add "use strict".
const HEADER_LINES = 3

/** Where in the user's code an error was thrown (the first stack frame inside the generated function). */
function userLine(err: unknown): number | undefined {
  const stack = err instanceof Error ? err.stack ?? '' : ''
  const m = stack.match(/<anonymous>:(\d+):\d+/)
  if (!m) return undefined
  const line = Number(m[1]) - HEADER_LINES
  return line >= 1 ? line : undefined
}

export function describeError(err: unknown): UserError {
  if (err instanceof Error) {
    return { name: errorName(err), message: err.message, line: userLine(err), typed: err instanceof AdjointError }
  }
  return { name: 'Error', message: String(err), typed: false }
}

const TYPED: [new (...a: never[]) => Error, string][] = [
  [core.GradcheckError, 'GradcheckError'], [core.AnomalyError, 'AnomalyError'],
  [core.ShapeError, 'ShapeError'], [core.DTypeError, 'DTypeError'], [core.IndexError, 'IndexError'],
  [core.AutogradError, 'AutogradError'], [core.ValueError, 'ValueError'], [core.AdjointError, 'AdjointError'],
]

/** The error class's name, also when a minifier renamed adjoint's classes. */
function errorName(err: Error): string {
  for (const [cls, name] of TYPED) if (err instanceof cls) return name
  return err.name
}

const toRoots = (r: unknown): Tensor[] => {
  if (r instanceof Tensor) return [r]
  if (Array.isArray(r)) return r.filter((x): x is Tensor => x instanceof Tensor)
  return []
}

/** Runs `code` with a fixed random seed (0), so the page and a Node test see the same numbers. */
export function runCode(code: string, seed = 0): RunResult {
  const checks: CheckRequest[] = []
  const customBackwards = new Map<string, string>()
  // defineFunction as given, but remembering each op's backward source, to show as its rule
  const defineFunction: typeof core.defineFunction = (spec) => {
    if (spec && typeof spec.name === 'string' && typeof spec.backward === 'function') customBackwards.set(spec.name, compactSource(spec.backward))
    return core.defineFunction(spec)
  }
  const overrides: Record<string, unknown> = { defineFunction, autograd: { ...core.autograd, defineFunction } }
  const check = (fn: CheckRequest['fn'], inputs: Tensor[]) => { checks.push({ fn, inputs }) }
  let fn: (...args: unknown[]) => unknown
  try {
    fn = new Function(...scopeNames, 'check', `"use strict";\n${code}`) as typeof fn
  } catch (err) {
    return { roots: [], trace: null, checks, customBackwards, error: describeError(err) }
  }
  const values = scopeNames.map((k) => (k in overrides ? overrides[k] : (core as Record<string, unknown>)[k]))
  manualSeed(seed)
  try {
    const t = trace(() => fn(...values, check), { maxElements: 4 })
    return { roots: toRoots(t.result), trace: t, checks, customBackwards, error: null }
  } catch (err) {
    return { roots: [], trace: null, checks, customBackwards, error: describeError(err) }
  }
}

/** A function's source on one line (whitespace collapsed), at most 200 characters. */
function compactSource(fn: (...args: never[]) => unknown): string {
  const src = fn.toString().replace(/\s+/g, ' ').trim()
  return src.length > 200 ? `${src.slice(0, 199)}…` : src
}
