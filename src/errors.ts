/**
 * The one error class users see. `message` names the problem, `hint` names the way out.
 * The CLI prints both on one line and exits with `exitCode`; anything else that escapes
 * is a bug and is printed with its stack.
 */
export class GkError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'GkError';
  }

  /** The single line the CLI prints. */
  oneLine(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}

export function isGkError(err: unknown): err is GkError {
  return err instanceof GkError;
}
