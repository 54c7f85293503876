// Every error adjoint throws is an AdjointError; the subclass says what kind of
// mistake it was, the message names the op, what it got and what it expected.
export class AdjointError extends Error {
  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
}
/** Shapes that do not fit the op (broadcast, matmul, reshape, cat...). */
export class ShapeError extends AdjointError {}
/** A dtype the op cannot take (e.g. `exp` of a bool tensor, an int index expected). */
export class DTypeError extends AdjointError {}
/** An index or dim out of range. */
export class IndexError extends AdjointError {}
/** Misuse of autograd: backward twice, in-place on a saved tensor, no grad to compute. */
export class AutogradError extends AdjointError {}
/** Any other bad argument (a negative size, a NaN step, an empty list). */
export class ValueError extends AdjointError {}

/** `[2,3]` — how every message prints a shape. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`
}
