// The errors of @adjoint/models. Each is an AdjointError (from core), so a
// caller can catch every adjoint error at once; the CLI turns them into a
// one-line message and a non-zero exit instead of a stack trace.
import { AdjointError, ValueError } from '@adjoint/core'

/** Text that a tokenizer cannot encode (characters outside a char vocabulary, an unknown special token). */
export class VocabularyError extends ValueError {}
/** A tokenizer, model or training config that is inconsistent (blockSize > the model's, nHead not dividing nEmbd...). */
export class ConfigError extends ValueError {}
/** A data file that is missing, empty or too short for the block size. */
export class DataError extends AdjointError {}
/** A checkpoint that is missing, incomplete, or belongs to a different model. */
export class CheckpointError extends AdjointError {}

/** A mistake on the command line (a flag's value, a prompt the model cannot use): the CLI prints it with a hint to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}
