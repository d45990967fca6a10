// The one error the compose reader throws: the project cannot be read the way
// Compose would read it. It carries the place to annotate when there is one.
import type { SourceLocation } from './findings.js'

export class ComposeFileError extends Error {
  constructor(
    message: string,
    readonly location?: SourceLocation
  ) {
    super(message)
    this.name = 'ComposeFileError'
  }
}
