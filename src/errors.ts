// Errors that are the user's to fix: bad input, a compose project that cannot
// be read, no usable Docker. The fronts report a UserError as one clear
// message without a stack trace; anything else is a bug of ours.
import type { SourceLocation } from './findings.js'

export class UserError extends Error {
  /** The place in a compose or env file to annotate, when there is one. */
  readonly location?: SourceLocation
  /** The annotation's title. */
  readonly title: string = 'Error'

  constructor(message: string, location?: SourceLocation) {
    super(message)
    this.name = new.target.name
    this.location = location
  }
}

/** An input (or CLI option) with a value that cannot be used. */
export class InputError extends UserError {
  override readonly title = 'Bad input'

  constructor(
    readonly input: string,
    message: string
  ) {
    super(`Input '${input}': ${message}`)
  }
}

/** The project cannot be read the way Compose would read it. */
export class ComposeFileError extends UserError {
  override readonly title = 'Compose file error'
}

/** No Docker engine or Compose v2 answers. */
export class DockerUnavailableError extends UserError {
  override readonly title = 'Docker unavailable'
}
