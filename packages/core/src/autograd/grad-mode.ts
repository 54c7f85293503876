// Whether new ops record the graph. noGrad(fn) runs fn without recording.
let enabled = true

export function isGradEnabled(): boolean {
  return enabled
}

export function setGradEnabled(on: boolean): void {
  enabled = on
}

function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = enabled
  enabled = on
  try {
    return fn()
  } finally {
    enabled = prev
  }
}

/** Runs fn with graph recording off (like `with torch.no_grad():`). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn)
}

/** Runs fn with graph recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn)
}
