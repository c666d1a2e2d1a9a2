/**
 * Runs the commands the netns network is made of (`ip`, `iptables-restore`,
 * `iptables-save`, `tc`), on the host or inside a node's namespace, each failure an error
 * naming the command and what it printed.
 */
import { execFileSync, spawn } from 'node:child_process'

/** A command that exited non-zero (or could not start): the command line and its stderr. */
export class NetCommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')}: ${stderr.trim() || 'failed'}`)
  }
}

/** Runs `argv` with `input` on its stdin; resolves with its stdout, rejects with a {@link NetCommandError}. */
export function run(argv: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.once('error', (error) => reject(new NetCommandError(argv, error.message)))
    child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new NetCommandError(argv, stderr || `exit ${code}`))))
    // A command that exits before reading all its input says why on stderr: the broken pipe adds nothing.
    child.stdin?.on('error', () => undefined).end(input)
  })
}

/** `argv` as run inside network namespace `namespace`. */
export const inNamespace = (namespace: string, argv: readonly string[]): string[] => ['ip', 'netns', 'exec', namespace, ...argv]

/**
 * Runs `ip` commands (one per line, without the leading `ip`) in one process, going on
 * past errors; what a teardown needs, synchronously where it must be (at process exit).
 */
export function ipBatch(lines: readonly string[]): Promise<string> {
  return run(['ip', '-force', '-batch', '-'], `${lines.join('\n')}\n`)
}

/** {@link ipBatch}, blocking: for the last-resort cleanup at process exit, where nothing asynchronous runs. */
export function ipBatchSync(lines: readonly string[]): void {
  if (lines.length === 0) return
  try {
    execFileSync('ip', ['-force', '-batch', '-'], { input: `${lines.join('\n')}\n`, stdio: ['pipe', 'ignore', 'ignore'] })
  } catch {
    // What could not be removed is left for `quorumlab net --cleanup`.
  }
}
