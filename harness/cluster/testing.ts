/**
 * Test fixtures for real clusters: start node processes on free ports in a temporary
 * folder, and make sure the processes and the folder are gone when the test ends,
 * whether it passed or failed.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_STORE_SETTINGS, type StoreSettings } from '../../store/config.ts'
import { LocalCluster } from '../stores/quorumlab/local-cluster.ts'
import { freePorts } from './ports.ts'

export type TestClusterOptions = {
  nodes?: number
  /** Node ids, when not n1..nN (their number is the number of nodes). */
  ids?: string[]
  /** Where the nodes keep their data (`<dir>/<id>`); default: a new temporary folder, removed at the end. */
  dir?: string
  settings?: Partial<StoreSettings>
  extraArgs?: string[]
}

export type TestCluster = LocalCluster & { dir: string; url(id: string): string }

type Cleanup = (handler: () => Promise<void> | void) => void

/** Fast settings for tests: quick timeouts and gossip, no anti-entropy unless a test asks. */
export const TEST_SETTINGS: StoreSettings = {
  ...DEFAULT_STORE_SETTINGS,
  token: 'test-token',
  replicaTimeoutMs: 500,
  gossipIntervalMs: 100,
  hintIntervalMs: 200,
  antiEntropyIntervalMs: 0,
}

/** Starts a cluster whose processes and data are removed by `cleanup` at the end of the test. */
export async function startTestCluster(cleanup: Cleanup, options: TestClusterOptions = {}): Promise<TestCluster> {
  const nodes = options.ids?.length ?? options.nodes ?? 3
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'quorumlab-test-')))
  let cluster: LocalCluster | undefined
  cleanup(async () => {
    await cluster?.stop()
    if (!options.dir) await rm(dir, { recursive: true, force: true })
  })
  cluster = await LocalCluster.start({
    nodes,
    ids: options.ids,
    ports: await freePorts(nodes),
    dataDir: dir,
    settings: { ...TEST_SETTINGS, ...options.settings },
    extraArgs: options.extraArgs,
  })
  return Object.assign(cluster, { dir, url: (id: string) => cluster!.node(id).url })
}

// biome-ignore lint/suspicious/noExplicitAny: a test reads the fields it asserts on; typing each answer would only add casts
export type JsonResponse<T = any> = { status: number; body: T }

/** One HTTP call with a JSON body (or raw text when `body` is a string). */
// biome-ignore lint/suspicious/noExplicitAny: as for JsonResponse
export async function call<T = any>(
  url: string,
  method = 'GET',
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  })
  const text = await response.text()
  let parsed: T
  try {
    parsed = JSON.parse(text) as T
  } catch {
    throw new Error(`${method} ${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`)
  }
  return { status: response.status, body: parsed }
}

/**
 * Polls `check` until it returns a value other than undefined/false, or fails after
 * `timeoutMs` with `what` and the last value seen.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 15_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
      last = value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** True when every ring arc has the same Merkle root on all the nodes that replicate it (`/admin/digest`). */
export async function digestsAgree(cluster: TestCluster): Promise<boolean> {
  const roots = new Map<number, Set<string>>()
  for (const node of cluster.nodes) {
    const { body } = await call(`${node.url}/admin/digest`)
    for (const range of body.ranges) roots.set(range.arc, (roots.get(range.arc) ?? new Set()).add(range.root))
  }
  return roots.size > 0 && [...roots.values()].every((set) => set.size === 1)
}
