/**
 * The one exit-code table of every `quorumlab` subcommand (Jepsen's 0/1/2, and 254/255 for
 * what the harness itself refuses or fails at), and the help text that prints it. Every
 * command ends through it: a verdict, a usage error or an internal error.
 */

/** Exit codes by meaning. */
export const EXIT = {
  /** The run finished and every promised check held; a server stopped cleanly. */
  valid: 0,
  /** A promised guarantee or model (or one named by `--fail-on`) was violated. */
  invalid: 1,
  /** The run did not complete (interrupted, stopped by an error, killed), or a promised check could not be decided. */
  unknown: 2,
  /** Bad arguments or config: a flag, value, file, folder or port the command cannot use. Nothing ran. */
  usage: 254,
  /** An internal error: a bug, or a failure the harness did not expect. */
  internal: 255,
} as const

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT]

const MEANINGS: readonly [ExitStatus, string][] = [
  [EXIT.valid, 'valid: the run finished and every promised check held (a server: stopped cleanly)'],
  [EXIT.invalid, 'invalid: a promised guarantee or model, or one named by --fail-on, was violated'],
  [EXIT.unknown, 'unknown: the run did not complete (Ctrl-C, SIGTERM, an error) or a promised check could not be decided'],
  [EXIT.usage, 'bad arguments or config: a flag, value, file, folder or port it cannot use (nothing ran)'],
  [EXIT.internal, 'internal error: a bug or an unexpected failure (QUORUMLAB_DEBUG=1 prints the stack)'],
]

/** The table as `--help` prints it after the options. */
export function exitCodesHelp(): string {
  return ['', 'Exit codes:', ...MEANINGS.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`)].join('\n')
}
