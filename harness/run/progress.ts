/**
 * The live progress line of a run: the stage and its elapsed time, the active nemesis,
 * ok/fail/info so far, ops/s over the last second, and a bar, in that order of use, cut
 * to the terminal's width. A bar (cli-progress) on a terminal; a plain line every few
 * seconds when output goes to a file or CI log. Log lines go through {@link Progress.log},
 * which clears the bar first and draws it again below them; the bar is cleared when the
 * stage ends, so nothing is written over and no stale frame stays on screen.
 */
import cliProgress from 'cli-progress'

export type ProgressState = {
  /** What the run is doing: warmup, run, converging, final reads. */
  stage: string
  elapsedS: number
  totalS: number
  ok: number
  fail: number
  info: number
  nemesis: string
}

/** What one line shows: the state and the ops/s over the last second. */
export type ProgressFields = ProgressState & { rate: number }

/** Columns of the bar itself, when there is room for it. */
const BAR_COLUMNS = 20

/**
 * One progress line at most `width` columns wide: the fields in order of use (stage and
 * time, nemesis, outcomes, ops/s, the bar), each kept only while it fits; `done` is the
 * stage's fraction done, 0..1.
 */
export function progressLine(fields: ProgressFields, done: number, width: number): string {
  const { stage, elapsedS, totalS, ok, fail, info, nemesis, rate } = fields
  const filled = Math.round(Math.min(1, Math.max(0, done)) * BAR_COLUMNS)
  const parts = [
    `${stage} ${Math.floor(elapsedS)}/${totalS} s`,
    `nemesis: ${nemesis}`,
    `ok ${ok} fail ${fail} info ${info}`,
    `${rate} ops/s`,
    `${'█'.repeat(filled)}${'░'.repeat(BAR_COLUMNS - filled)}`,
  ]
  let line = parts[0].slice(0, width)
  for (const part of parts.slice(1)) {
    if (line.length + 3 + part.length > width) break
    line += ` | ${part}`
  }
  return line
}

export class Progress {
  #bar: cliProgress.SingleBar | undefined
  #stream: NodeJS.WriteStream
  #plain: boolean
  #lastPlain = 0
  #window: { at: number; done: number }[] = []
  #last: { totalS: number; value: number; fields: ProgressFields } | undefined

  constructor({ enabled, stream = process.stderr }: { enabled: boolean; stream?: NodeJS.WriteStream }) {
    this.#stream = stream
    this.#plain = enabled && !stream.isTTY
    if (enabled && stream.isTTY) {
      this.#bar = new cliProgress.SingleBar({
        stream,
        // The last column stays free: writing into it wraps some terminals to the next line.
        format: (_options, params, payload) => progressLine(payload as ProgressFields, params.progress, params.maxWidth - 1),
        hideCursor: true,
        clearOnComplete: true,
        gracefulExit: false,
      })
    }
  }

  update(state: ProgressState): void {
    const now = performance.now()
    const done = state.ok + state.fail + state.info
    this.#window.push({ at: now, done })
    while (this.#window.length > 2 && now - this.#window[0].at > 1000) this.#window.shift()
    const first = this.#window[0]
    const rate = now > first.at ? Math.round(((done - first.done) * 1000) / (now - first.at)) : 0
    const fields = { ...state, rate }
    const value = Math.min(state.elapsedS, state.totalS)
    this.#last = { totalS: state.totalS, value, fields }
    if (this.#bar) {
      if (!this.#bar.isActive) this.#bar.start(state.totalS, value, fields)
      // Each stage (warm-up, run, convergence) has its own length.
      if (this.#bar.getTotal() !== state.totalS) this.#bar.setTotal(state.totalS)
      this.#bar.update(value, fields)
    } else if (this.#plain && now - this.#lastPlain > 5000) {
      this.#lastPlain = now
      this.#stream.write(`${progressLine(fields, value / (state.totalS || 1), Number.POSITIVE_INFINITY)}\n`)
    }
  }

  /** Writes a log line with `write` above the bar: the bar's line is cleared first and drawn again below. */
  log(line: string, write: (line: string) => void): void {
    const bar = this.#bar?.isActive ? this.#bar : undefined
    bar?.stop()
    write(line)
    if (bar && this.#last) bar.start(this.#last.totalS, this.#last.value, this.#last.fields)
  }

  /** Clears the bar (at the end of a stage, or when the run stops). */
  stop(): void {
    this.#bar?.stop()
  }
}
