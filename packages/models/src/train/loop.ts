// The training loop, independent of the model: one optimizer step at a time,
// evaluation and checkpoints on a schedule, and a stop request (Ctrl-C)
// honoured between steps. The loop yields to the event loop after each step
// so that signal handlers get to run. GPT, BERT or T5 runs plug in their own
// step/evaluate/checkpoint functions.
import { graphScope, keep, releaseBuffer, type Tensor } from '@adjoint/core'
import { type LRScheduler, type Module, type Optimizer, clipGradNorm_ } from '@adjoint/nn'

export interface StepResult {
  loss: number
  lr: number
  /** Global gradient norm before clipping. */
  gradNorm: number
  /** Tokens (or examples) processed by the step. */
  tokens: number
}

/**
 * One optimizer step: zero the gradients, compute the loss (model in training
 * mode), backward, clip, update, advance the schedule. It runs in a graphScope:
 * the step's activations go back to core's buffer pool for the next step (the
 * loss closure must not keep tensors it made; it returns the loss to read here).
 */
export function optimizerStep(
  model: Module, optimizer: Optimizer, scheduler: LRScheduler | null,
  loss: () => { loss: Tensor; tokens: number }, gradClip: number,
): StepResult {
  return graphScope(() => {
    model.train()
    // last step's gradients: nothing else holds them, so their buffers serve this step's backward
    for (const g of optimizer.paramGroups) for (const p of g.params) if (p.grad !== null && !p.grad.requiresGrad) releaseBuffer(p.grad)
    optimizer.zeroGrad()
    const lr = optimizer.paramGroups[0].lr
    const out = loss()
    keep(out.loss) // read after the backward; every other activation goes back as the backward passes it
    out.loss.backward()
    const params = optimizer.paramGroups.flatMap((g) => g.params)
    const gradNorm = gradClip > 0 ? clipGradNorm_(params, gradClip) : NaN
    optimizer.step()
    scheduler?.step()
    return { loss: out.loss.item(), lr, gradNorm, tokens: out.tokens }
  }, { releaseDuringBackward: true })
}

export type CheckpointReason = 'interval' | 'final' | 'interrupt'

export interface LoopOptions {
  /** Steps already done (0 for a new run). */
  startStep: number
  /** Stop after this many steps in all. */
  totalSteps: number
  /** Runs step number `it` (0-based) and reports it. */
  step(it: number): StepResult
  evalInterval?: number
  /** Called at the start of a new run, every evalInterval steps and at the end; `done` steps are complete. */
  evaluate?(done: number): void
  ckptInterval?: number
  /** Called every ckptInterval steps, at the end, and when stopped. */
  checkpoint?(done: number, reason: CheckpointReason): void
  onStep?(done: number, r: StepResult, stepMs: number): void
  /** Polled after each step: true stops the run (after a checkpoint). */
  shouldStop?(): boolean
}

export interface LoopResult {
  /** Steps done when the loop returned. */
  step: number
  interrupted: boolean
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

export async function runLoop(o: LoopOptions): Promise<LoopResult> {
  let done = o.startStep
  if (done === 0 && o.evaluate) o.evaluate(0)
  while (done < o.totalSteps) {
    const t0 = performance.now()
    const r = o.step(done)
    done++
    o.onStep?.(done, r, performance.now() - t0)
    const last = done === o.totalSteps
    if (o.evaluate && o.evalInterval && (done % o.evalInterval === 0 || last)) o.evaluate(done)
    if (o.checkpoint && (last || (o.ckptInterval && done % o.ckptInterval === 0))) o.checkpoint(done, last ? 'final' : 'interval')
    await tick()
    if (!last && o.shouldStop?.()) {
      o.checkpoint?.(done, 'interrupt')
      return { step: done, interrupted: true }
    }
  }
  return { step: done, interrupted: false }
}
