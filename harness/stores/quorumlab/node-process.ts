/**
 * One reference-store node as a child process of the harness: spawn it, wait until it
 * serves, and stop, kill -9, pause (SIGSTOP) or resume (SIGCONT) it. Its output is kept
 * (last lines in memory, everything in a log file when asked) so a node that dies can
 * say why. Node control over a set of them is {@link processControl}.
 */
import { spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { httpUrl } from '../../../common/helpers/address.ts'
import type { NodeControl } from '../../adapter/index.ts'
import { nodeControl } from '../../cluster/node-control.ts'
import type { ClusterLayout } from '../../cluster/layout.ts'
import { ProcessControl } from '../../cluster/process-control.ts'
import type { StoreSettings } from '../../../store/config.ts'
import { nodeArgs, type NodeReadyMessage, type NodeSpec, storeNodeFlags } from './node-command.ts'

export const QUORUMLAB_BIN = fileURLToPath(new URL('../../../bin/quorumlab.js', import.meta.url))

export type NodeProcessOptions = {
  /** Append the node's stdout and stderr to this file. */
  logFile?: string
  /** Called with each line the node prints. */
  onLine?: (line: string) => void
  /** How long to wait for the node to serve, ms. Default 20000. */
  startTimeoutMs?: number
  /**
   * A command the node runs under (`ip netns exec <namespace>`). It must exec the node
   * rather than fork it, so the child's pid stays the node's and signals reach the node.
   */
  launcher?: readonly string[]
}

const KEPT_LINES = 50

/** A node's arguments as its log shows them: the cluster token (a secret) left out. */
const redactedArgs = (args: string[]): string[] => args.map((arg, i) => (args[i - 1] === '--token' ? '(secret)' : arg))

/** A node that exited before it served: its exit code (254: it refused its arguments, e.g. a port in use) and last output. */
export class NodeExitedError extends Error {
  readonly node: string
  readonly code: number | null
  readonly output: string

  constructor(node: string, code: number | null, signal: string | null, output: string) {
    super(`${node} exited (${signal ?? `code ${code}`}) before serving:\n${output}`)
    this.node = node
    this.code = code
    this.output = output
  }
}

export class NodeProcess {
  readonly spec: NodeSpec
  #options: NodeProcessOptions
  #control: ProcessControl | undefined
  #lines: string[] = []
  #log: WriteStream | undefined

  constructor(spec: NodeSpec, options: NodeProcessOptions = {}) {
    this.spec = spec
    this.#options = options
  }

  get id(): string {
    return this.spec.id
  }

  get url(): string {
    return httpUrl(this.spec)
  }

  get pid(): number | undefined {
    return this.#control?.child.pid
  }

  get running(): boolean {
    return this.#control?.running ?? false
  }

  /** The node's last lines of output. */
  get recentOutput(): string {
    return this.#lines.join('\n')
  }

  args(): string[] {
    return [QUORUMLAB_BIN, 'store', ...nodeArgs(this.spec)]
  }

  /** Spawns the node and resolves once it serves; rejects with its output if it dies first. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.id} is already running`)
    if (this.#options.logFile && !this.#log) {
      mkdirSync(dirname(this.#options.logFile), { recursive: true })
      this.#log = createWriteStream(this.#options.logFile, { flags: 'a' })
    }
    // Its own process group: a Ctrl-C in the terminal reaches the harness alone, which heals
    // and stops the nodes in order. The IPC channel still ends the node if the harness dies.
    const [command, ...prefix] = [...(this.#options.launcher ?? []), process.execPath]
    const child = spawn(command, [...prefix, ...storeNodeFlags(process.env.NODE_OPTIONS), ...this.args()], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    })
    this.#control = new ProcessControl(child)
    // The log keeps every start and exit, so a crash nemesis' kills and restarts read in order.
    this.#log?.write(
      `--- ${new Date().toISOString()} ${this.id} started (pid ${child.pid}): quorumlab store ${redactedArgs(nodeArgs(this.spec)).join(' ')}\n`,
    )
    child.once('exit', (code, signal) => {
      this.#log?.write(`--- ${new Date().toISOString()} ${this.id} exited (${signal ?? `code ${code}`})\n`)
    })
    for (const stream of [child.stdout, child.stderr]) {
      let partial = ''
      stream?.setEncoding('utf8')
      stream?.on('data', (chunk: string) => {
        this.#log?.write(chunk)
        const parts = (partial + chunk).split('\n')
        partial = parts.pop() ?? ''
        for (const line of parts) this.#keep(line)
      })
    }
    const timeoutMs = this.#options.startTimeoutMs ?? 20_000
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup()
        child.kill('SIGKILL')
        reject(new Error(`${this.id} did not start within ${timeoutMs} ms:\n${this.recentOutput}`))
      }, timeoutMs)
      const onMessage = (message: NodeReadyMessage): void => {
        if (message?.type !== 'ready') return
        cleanup()
        resolve()
      }
      const onExit = (code: number | null, signal: string | null): void => {
        cleanup()
        // Let the last output arrive before reporting it.
        setImmediate(() => reject(new NodeExitedError(this.id, code, signal, this.recentOutput)))
      }
      const cleanup = (): void => {
        clearTimeout(timer)
        child.off('message', onMessage)
        child.off('exit', onExit)
      }
      child.on('message', onMessage)
      child.once('exit', onExit)
    })
  }

  /** kill -9: no chance to flush or say goodbye. */
  async kill(): Promise<void> {
    await this.#control?.kill()
  }

  /** Asks the node to stop (SIGTERM), then kills it if it has not within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    await this.#control?.stop(graceMs)
  }

  async pause(): Promise<void> {
    await this.#control?.pause()
  }

  resume(): void {
    this.#control?.resume()
  }

  /** Closes the log file; the node must be stopped first. */
  async dispose(): Promise<void> {
    await this.stop()
    await new Promise<void>((resolve) => (this.#log ? this.#log.end(resolve) : resolve()))
    this.#log = undefined
  }

  #keep(line: string): void {
    this.#lines.push(line)
    if (this.#lines.length > KEPT_LINES) this.#lines.shift()
    this.#options.onLine?.(line)
  }
}

/** Control of these node processes by node id: what a local cluster hands its nemeses. */
/** Control of the cluster's node processes, and the wipe nemesis's: kill -9, then delete the node's data dir. */
/**
 * What a node's own process says, for an error about that node: whether it still runs, and
 * its last lines of output.
 */
export function processReport(processes: readonly NodeProcess[], id: string): string {
  const node = processes.find((p) => p.id === id)
  if (!node) return `no process for ${id}`
  return `its process ${node.running ? 'is running' : 'is not running'}; its last output:\n${node.recentOutput || '(none)'}`
}

export function processControl(processes: NodeProcess[]): NodeControl {
  const byId = new Map(processes.map((p) => [p.id, p]))
  return {
    ...nodeControl(byId),
    wipe: async (id) => {
      const node = byId.get(id)
      if (!node) throw new Error(`no node ${id}`)
      await node.kill()
      await rm(node.spec.dataDir, { recursive: true, force: true })
    },
  }
}

export type LayoutProcessOptions = {
  settings: StoreSettings
  /** Node nI keeps its data in `<dataDir>/nI` and its log in `<dataDir>/nI.log`. */
  dataDir: string
  extraArgs?: string[]
  /** The command each node runs under, by node id (its namespace's `ip netns exec`). */
  launcher?: (id: string) => readonly string[]
}

/** One node process (not started) per node of a layout, each bound where the layout says and given its peers. */
export function layoutProcesses(layout: ClusterLayout, { settings, dataDir, extraArgs, launcher }: LayoutProcessOptions): NodeProcess[] {
  return layout.nodes.map(
    ({ id, listen, peers }) =>
      new NodeProcess(
        { id, ...listen, dataDir: join(dataDir, id), peers, settings, extraArgs },
        { logFile: join(dataDir, `${id}.log`), launcher: launcher?.(id) },
      ),
  )
}
