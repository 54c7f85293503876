// Anomaly mode (torch.autograd.detect_anomaly): while it is on, every node
// remembers the stack where it was created, and the engine checks each
// backward step's results; the first NaN or Inf stops backward with an error
// naming the op, where it was created and which input's gradient went bad.
import { AutogradError, fmtShape } from '../errors.js'
import type { Tensor } from '../tensor.js'
import { anomaly } from './anomaly-state.js'
import type { Node } from './node.js'

/** Thrown by backward in anomaly mode when a gradient contains NaN or Inf. */
export class AnomalyError extends AutogradError {
  constructor(
    message: string,
    /** The op whose backward produced the bad value, e.g. "log". */
    readonly op: string,
    /** Which of the op's inputs got the bad gradient. */
    readonly inputIndex: number,
    readonly kind: 'NaN' | 'Inf',
    /** The first stack frame outside adjoint where the op was called (undefined if unknown). */
    readonly site: string | undefined,
  ) {
    super(message)
  }
}

const DEEP_STACK = 64
let savedLimit: number | undefined

/** Turns anomaly mode on or off globally (like torch.autograd.set_detect_anomaly). */
export function setDetectAnomaly(on: boolean): void {
  if (on === anomaly.enabled) return
  anomaly.enabled = on
  // creation stacks are only useful when they reach the user's code: deepen them while on
  const E = Error as { stackTraceLimit?: number }
  if (on) {
    savedLimit = E.stackTraceLimit
    if (typeof savedLimit === 'number' && savedLimit < DEEP_STACK) E.stackTraceLimit = DEEP_STACK
  } else if (savedLimit !== undefined) {
    E.stackTraceLimit = savedLimit
    savedLimit = undefined
  }
}

export function isAnomalyEnabled(): boolean {
  return anomaly.enabled
}

/**
 * Runs fn with anomaly mode on (both the forward, so nodes record where they
 * were created, and the backward, which is checked). Restores the previous
 * setting afterwards, also when fn returns a promise.
 */
export function detectAnomaly<T>(fn: () => T): T {
  const prev = anomaly.enabled
  setDetectAnomaly(true)
  let result: T
  try {
    result = fn()
  } catch (e) {
    setDetectAnomaly(prev)
    throw e
  }
  if (result instanceof Promise) return result.finally(() => setDetectAnomaly(prev)) as T
  setDetectAnomaly(prev)
  return result
}

const INTERNAL = /[\\/](?:packages[\\/]core[\\/]src|@adjoint[\\/]core)[\\/]|\(node:|at node:/

/** The first frame of a creation stack that is not inside adjoint's core (the user's line). */
export function creationSite(stack: string | undefined): string | undefined {
  if (!stack) return undefined
  const frames = stack.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('at '))
  return frames.find((f) => !INTERNAL.test(f)) ?? frames[0]
}

function firstNonFinite(t: Tensor): { index: number, kind: 'NaN' | 'Inf' } | null {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') return null
  const data = t.contiguousData()
  for (let j = 0; j < data.length; j++) {
    const v = data[j]
    if (!Number.isFinite(v)) return { index: j, kind: Number.isNaN(v) ? 'NaN' : 'Inf' }
  }
  return null
}

function describeInput(t: Tensor): string {
  const what = t.gradFn ? `the output of "${t.gradFn.op}"` : 'a leaf'
  return `${t.name ? `"${t.name}", ` : ''}${what}, shape ${fmtShape(t.shape)}, ${t.dtype}`
}

/** Called by the engine after each node's backward while anomaly mode is on. */
export function checkAnomaly(node: Node, grad: Tensor, results: readonly (Tensor | null | undefined)[]): void {
  results.forEach((g, i) => {
    const inp = node.inputs[i]
    if (!g || !inp) return // a gradient nobody receives cannot poison anything
    const bad = firstNonFinite(g)
    if (!bad) return
    const incoming = firstNonFinite(grad)
    const site = creationSite(node.stack)
    const cause = incoming
      ? `The gradient flowing into "${node.op}" already contained ${incoming.kind} (element ${incoming.index}), so the problem is upstream of it (a hook, or an op outside anomaly mode).`
      : `The gradient flowing into "${node.op}" was finite: "${node.op}"'s own backward produced the ${bad.kind} (e.g. log or division at 0, sqrt at 0, a huge exp).`
    const where = site ? `"${node.op}" was created at ${site.replace(/^at /, '')}` : `"${node.op}" has no creation site (it was created before anomaly mode was enabled)`
    const message = [
      `anomaly: backward of "${node.op}" returned ${bad.kind} in the gradient of its input ${i} (${describeInput(inp)}), gradient shape ${fmtShape(g.shape)}, element ${bad.index}.`,
      cause,
      where + (node.stack ? `; full creation stack:\n${node.stack}` : ''),
    ].join('\n')
    throw new AnomalyError(message, node.op, i, bad.kind, site)
  })
}
