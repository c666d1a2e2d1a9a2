/**
 * The live progress line of a run: elapsed of total, ops/s over the last second,
 * ok/fail/info so far and the active nemesis. A bar on a terminal; a plain line every
 * few seconds when output goes to a file or CI log.
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

export class Progress {
  #bar: cliProgress.SingleBar | undefined
  #stream: NodeJS.WriteStream
  #plain: boolean
  #lastPlain = 0
  #window: { at: number; done: number }[] = []

  constructor({ enabled, stream = process.stderr }: { enabled: boolean; stream?: NodeJS.WriteStream }) {
    this.#stream = stream
    this.#plain = enabled && !stream.isTTY
    if (enabled && stream.isTTY) {
      this.#bar = new cliProgress.SingleBar(
        {
          stream,
          format: '{stage} {bar} {elapsed}/{total} s | {rate} ops/s | ok {ok} fail {fail} info {info} | nemesis: {nemesis}',
          hideCursor: true,
          barsize: 20,
        },
        cliProgress.Presets.shades_classic,
      )
    }
  }

  update(state: ProgressState): void {
    const now = performance.now()
    const done = state.ok + state.fail + state.info
    this.#window.push({ at: now, done })
    while (this.#window.length > 2 && now - this.#window[0].at > 1000) this.#window.shift()
    const first = this.#window[0]
    const rate = now > first.at ? Math.round(((done - first.done) * 1000) / (now - first.at)) : 0
    const payload = { ...state, elapsed: Math.floor(state.elapsedS), total: state.totalS, rate }
    if (this.#bar) {
      if (!this.#bar.isActive) this.#bar.start(state.totalS, 0, payload)
      // Each stage (warm-up, run, convergence) has its own length.
      if (this.#bar.getTotal() !== state.totalS) this.#bar.setTotal(state.totalS)
      this.#bar.update(Math.min(state.elapsedS, state.totalS), payload)
    } else if (this.#plain && now - this.#lastPlain > 5000) {
      this.#lastPlain = now
      this.#stream.write(
        `${state.stage} ${payload.elapsed}/${state.totalS} s | ${rate} ops/s | ok ${state.ok} fail ${state.fail} info ${state.info} | nemesis: ${state.nemesis}\n`,
      )
    }
  }

  stop(): void {
    this.#bar?.stop()
  }
}
