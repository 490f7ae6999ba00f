/**
 * An error the user can fix (bad flag value, missing file, malformed config). The CLI prints its
 * message as one line and exits 1; anything else is a bug and keeps its stack under --verbose.
 */
export class UserError extends Error {
  override name: string = 'UserError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
