/**
 * The replicated floor of the store benchmark: three {@link ./node.ts} processes that do
 * what a quorumlab PUT must (HTTP, JSON, a durable write here and then on a peer) and
 * nothing else, so the benchmark can say how much of a PUT's cost is the store's logic and
 * how much its design's plumbing.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePorts } from '../../cluster/ports.ts'
import { ProcessControl } from '../../cluster/process-control.ts'

export type FloorCluster = {
  urls: string[]
  pids: number[]
  /** Stops every node (SIGTERM, then SIGKILL after 5 s) and resolves once all have exited. */
  stop(): Promise<void>
}

/** The design a floor measures: the store's by default. */
export type FloorDesign = {
  /** When a write leaves for the peers: once its transaction here applied it (default, as the store's do), or once it is on disk here. */
  replicate?: 'applied' | 'after-commit'
  /** How batches travel to the peers: lines on one upgraded connection (default, as the store's), or an HTTP request each. */
  peers?: 'http' | 'stream'
  /** Where writes are kept: a write-ahead log with one flush per group of writes (default, as the store's log), or LMDB with a commit per batch. */
  storage?: 'log' | 'lmdb'
  /** Commits flushed to disk (default true); false measures what durability costs. */
  sync?: boolean
}

export type FloorOptions = FloorDesign & {
  /** Folder for the nodes' LMDB files (one subfolder each); the caller removes it. */
  dataDir: string
  /** Nodes, default 3. */
  nodes?: number
}

const NODE_SCRIPT = fileURLToPath(new URL('./node.ts', import.meta.url))
/** How long a node may take to start, ms. */
const START_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 5000

/** Starts the floor's nodes, each peered with all the others; stops those started if one fails to. */
export async function startFloorCluster({
  dataDir,
  nodes = 3,
  replicate = 'applied',
  peers = 'stream',
  storage = 'log',
  sync = true,
}: FloorOptions): Promise<FloorCluster> {
  const ports = await freePorts(nodes)
  const flags = ['--replicate', replicate, '--peers', peers, '--storage', storage, ...(sync ? [] : ['--no-sync'])]
  const children = ports.map((port, i) =>
    spawn(
      process.execPath,
      ['--import', 'tsx', NODE_SCRIPT, ...flags, String(port), join(dataDir, `n${i + 1}`), ...ports.filter((p) => p !== port).map(String)],
      {
        // The IPC channel closes when the harness dies however it ends: the node then exits (no orphan).
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      },
    ),
  )
  const controls = children.map((child) => new ProcessControl(child))
  const stop = () => Promise.all(controls.map((control) => control.stop(STOP_GRACE_MS))).then(() => undefined)
  try {
    await Promise.all(children.map(ready))
  } catch (error) {
    await stop()
    throw error
  }
  return { urls: ports.map((port) => `http://127.0.0.1:${port}`), pids: children.map((child) => child.pid!), stop }
}

/** Resolves once the node printed `ready`; rejects if it exits or takes too long. */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`a floor node did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS)
    child.stdout!.on('data', (chunk: Buffer) => {
      if (/ready \d+/.test(chunk.toString())) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`a floor node exited while starting (${signal ?? code})`))
    })
  })
}
