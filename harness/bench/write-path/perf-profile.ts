/**
 * Where the nodes' CPU goes, from Linux `perf` sampling their CPU clock: unlike V8's
 * profiler, which samples a thread's wall time (a thread descheduled inside a socket
 * write is charged to the write), a `cpu-clock` sample is taken only while a thread runs,
 * and every thread of the process is seen: LMDB's commits in libuv's pool, V8's
 * compiler and GC beside the main thread. The nodes must run with
 * `--perf-basic-prof-only-functions` so their JavaScript frames have names.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { categoryOfFrame } from './cpu-categories.ts'

const run = promisify(execFile)

/** Sampling frequency, samples a second per CPU. */
export const PERF_FREQUENCY_HZ = 999

/** Where V8 writes a process's map of JavaScript frames for perf (always /tmp, whatever TMPDIR says). */
export const perfMapFile = (pid: number): string => `/tmp/perf-${pid}.map`

/** Why `perf` cannot profile here, or undefined when it can. */
export async function perfUnavailable(): Promise<string | undefined> {
  try {
    await run('perf', ['--version'])
  } catch {
    return '`perf` is not installed (Debian: apt-get install linux-perf)'
  }
  return undefined
}

/** A running `perf record` of the processes `pids` (all their threads), into `file`. */
export class PerfRecording {
  #child: ChildProcess
  #exited: Promise<number | null>

  constructor(pids: readonly number[], file: string) {
    const args = ['record', '-e', 'cpu-clock', '-F', String(PERF_FREQUENCY_HZ), '-g', '-o', file, '-p', pids.join(',')]
    this.#child = spawn('perf', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    this.#exited = new Promise((resolve) => this.#child.once('exit', resolve))
  }

  /** Stops the recording and resolves once `perf` has written its file. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGINT')
    await this.#exited
  }
}

/** The samples of a recording, as `perf script` prints them (thread id, then one frame a line, innermost first). */
export async function perfScript(file: string): Promise<string> {
  const { stdout } = await run('perf', ['script', '-i', file, '-F', 'tid,ip,sym,dso'], { maxBuffer: 1 << 30 })
  return stdout
}

/** One sample: the thread it hit and its frames, innermost first (`symbol (dso)`). */
type Sample = { tid: number; frames: string[] }

export type PerfBreakdown = {
  samples: number
  /** Samples by kind of thread, most first. */
  threads: [string, number][]
  /** The main threads' samples by category of their innermost JavaScript frame, most first. */
  main: [string, number][]
  /** The main threads' samples in the kernel (socket syscalls, scheduling, interrupts). */
  mainKernel: number
}

/** Samples from `perf script -F tid,ip,sym,dso` output. */
export function parsePerfScript(text: string): Sample[] {
  const samples: Sample[] = []
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((line) => line.trim() !== '')
    if (lines.length === 0) continue
    const tid = Number(lines[0].trim().split(/\s+/)[0])
    if (!Number.isInteger(tid)) continue
    // A frame line is "<address> <symbol> (<dso>)".
    samples.push({ tid, frames: lines.slice(1).map((line) => line.trim().replace(/^[0-9a-f]+ /, '')) })
  }
  return samples
}

/** Kinds of thread, by what their stacks hold: the first whose pattern a frame matches. */
const THREAD_KINDS: [string, RegExp][] = [
  ["libuv's pool (LMDB commits: write, fdatasync)", /ThreadPoolWork|uv__work/],
  ["V8's optimizing compiler", /OptimizingCompileDispatcher|compiler::/],
  ["V8's garbage collector (background)", /Scaveng|Marking|Sweep|ArrayBufferSweeper|Heap/],
]

const MAIN_THREADS = 'main threads (JavaScript, HTTP, LMDB reads and writes)'

/** A JavaScript frame's function name and URL, as `--perf-basic-prof` names it (`JS:*name url:line:col`). */
function jsFrame(frame: string): { name: string; url: string } | undefined {
  const match = /^JS:[*~^+-]?(\S*) (\S+?)(?::\d+:\d+)? \(/.exec(frame)
  return match ? { name: match[1], url: match[2] } : undefined
}

/**
 * The kind of each thread that is not a main one: the first kind any of its samples shows
 * (a pool thread waiting on its condition variable shows only libuv's `worker`, but its
 * other samples name the pool's work).
 */
function threadKinds(samples: readonly Sample[], mainTids: ReadonlySet<number>): Map<number, string> {
  const kinds = new Map<number, { rank: number; kind: string }>()
  for (const { tid, frames } of samples) {
    if (mainTids.has(tid)) continue
    const rank = THREAD_KINDS.findIndex(([, pattern]) => frames.some((f) => pattern.test(f)))
    const known = kinds.get(tid)
    if (rank >= 0 && (known === undefined || rank < known.rank)) kinds.set(tid, { rank, kind: THREAD_KINDS[rank][0] })
  }
  return new Map([...kinds].map(([tid, { kind }]) => [tid, kind]))
}

/** The samples by kind of thread, and the main threads' (`mainTids`: the processes' own ids) by category. */
export function perfBreakdown(samples: readonly Sample[], mainTids: ReadonlySet<number>): PerfBreakdown {
  const kinds = threadKinds(samples, mainTids)
  const threads = new Map<string, number>()
  const main = new Map<string, number>()
  let mainKernel = 0
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)
  for (const { tid, frames } of samples) {
    if (!mainTids.has(tid)) {
      add(threads, kinds.get(tid) ?? 'other threads')
      continue
    }
    add(threads, MAIN_THREADS)
    if (frames[0]?.includes('[kernel')) mainKernel += 1
    const js = frames.map(jsFrame).find((frame) => frame !== undefined)
    add(main, js ? categoryOfFrame(js.name, js.url) : 'native code with no JavaScript frame (V8, libuv, epoll)')
  }
  const mostFirst = (map: Map<string, number>): [string, number][] => [...map].sort((a, b) => b[1] - a[1])
  return { samples: samples.length, threads: mostFirst(threads), main: mostFirst(main), mainKernel }
}
