/**
 * The command's own output when nobody reads it any more: `quorumlab workload 2>&1 | tee log`
 * and Ctrl-C kills `tee` first; `| head` exits early; a terminal closes. Writes then fail
 * (EPIPE, EIO), and an unhandled stream error would kill the harness before it heals the
 * cluster and writes the history's end record and the report. The run carries on without
 * its terminal output: everything it says is also in the run folder.
 */

let installed = false

/** From now on, a failed write to stdout or stderr is dropped instead of crashing the process. */
export function keepWritingAfterClosedOutput(): void {
  if (installed) return
  installed = true
  for (const stream of [process.stdout, process.stderr]) {
    // A listener, kept for good: a closed stream reports every later write too.
    stream.on('error', () => undefined)
  }
}
