/**
 * `quorumlab serve`: browses the runs folder, like Jepsen's `serve`. `/` lists every run
 * (newest first, with its verdict read from summary.json), `/runs/<name>/` lists a run's
 * files (`/runs/latest/`: the latest run's), and `/runs/<name>/<file>` serves them (the
 * HTML report opens as is). Only plain names are served: no dot files or dot folders, and
 * nothing a link leads to outside the runs folder. Listens on 127.0.0.1 unless told
 * otherwise. Run names and summaries are escaped by hono's `html`.
 */
import { serve, type ServerType } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { html } from 'hono/html'
import { readdir, readFile, readlink, realpath, stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { basename, join, resolve, sep } from 'node:path'
import { type RunInfo, storeOf } from '../common/contracts/history.ts'
import { htmlPage } from './html/page-shell.ts'
import { HISTORY_FILE } from '../common/contracts/history.ts'

export type RunListing = {
  name: string
  /** `runs/latest` points here. */
  latest: boolean
  hasHistory: boolean
  hasReport: boolean
  files: string[]
  /** From summary.json, when the run has been analysed. */
  summary: { exitCode: number; reason: string; ops: number; run: RunInfo | null } | null
  /** Why summary.json could not be read, when it exists but is broken. */
  problem: string | null
}

const LATEST = 'latest'
/** A plain name: what a run folder, or any path segment the server serves, may be called (no separators, no dot files). */
const RUN_NAME = /^[^/\\.][^/\\]*$/

/** The name of the run `runs/latest` points at; null without the link. */
const latestRun = (dir: string): Promise<string | null> =>
  readlink(join(dir, LATEST)).then(
    (target) => basename(target),
    () => null,
  )

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The run record's fields the index shows, checked: true when `value` has them all. */
function isRunInfo(value: unknown): value is RunInfo {
  if (!isObject(value) || !isObject(value.workload)) return false
  const { workload, nemeses } = value
  return (
    typeof value.startedAt === 'string' &&
    typeof workload.name === 'string' &&
    typeof workload.kind === 'string' &&
    (isStoreInfo(value.store) || isReplication(value)) &&
    Array.isArray(nemeses) &&
    nemeses.every((n) => typeof n === 'string')
  )
}

/** A run record's `store`, checked for what the index shows. */
const isStoreInfo = (store: unknown): boolean => isObject(store) && typeof store.name === 'string' && typeof store.summary === 'string'

/** A run record of the reference store written before `store` was recorded: its replication settings. */
const isReplication = (value: Record<string, unknown>): boolean =>
  typeof value.versioning === 'string' &&
  ['n', 'r', 'w'].every((field) => typeof value[field] === 'number') &&
  typeof value.strict === 'boolean'

/** What the index shows of a parsed summary.json; undefined when it does not have the shape written by reportRun. */
function summaryListing(parsed: unknown): RunListing['summary'] | undefined {
  if (!isObject(parsed) || !isObject(parsed.verdict) || !isObject(parsed.history)) return undefined
  const { exitCode, run } = parsed
  const { reason } = parsed.verdict
  const { ops } = parsed.history
  if (typeof exitCode !== 'number' || typeof reason !== 'string' || typeof ops !== 'number') return undefined
  if (run !== null && !isRunInfo(run)) return undefined
  return { exitCode, reason, ops, run: run as RunInfo | null }
}

/** The runs in `dir`, newest first (run folders start with a timestamp). */
export async function listRuns(dir: string): Promise<RunListing[]> {
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch {
    return []
  }
  const latestTarget = await latestRun(dir)
  const root = await realpath(dir)
  const runs: RunListing[] = []
  for (const name of entries) {
    if (name === LATEST || !RUN_NAME.test(name)) continue
    const path = join(dir, name)
    const info = await stat(path).catch(() => null)
    if (!info?.isDirectory() || !(await realPathInside(root, path))) continue
    const files = (await readdir(path).catch(() => [] as string[])).filter((f) => RUN_NAME.test(f)).sort()
    let summary: RunListing['summary'] = null
    let problem: string | null = null
    if (files.includes('summary.json')) {
      try {
        summary = summaryListing(JSON.parse(await readFile(join(path, 'summary.json'), 'utf8'))) ?? null
        if (!summary) problem = 'summary.json has an unexpected shape'
      } catch (error) {
        problem = `summary.json unreadable: ${(error as Error).message}`
      }
    }
    runs.push({
      name,
      latest: name === latestTarget,
      hasHistory: files.includes(HISTORY_FILE),
      hasReport: files.includes('index.html'),
      files,
      summary,
      problem,
    })
  }
  return runs.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0))
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}th{background:#f5f5f5}
.exit-0{color:#2e7d32;font-weight:600}.exit-1{color:#c62828;font-weight:600}.exit-2{color:#ef6c00;font-weight:600}.muted{color:#777}`

const page = (title: string, body: unknown) => htmlPage({ title, style: STYLE, body })

/**
 * The real path of the file that `relative` (the URL path below /runs/) names, or undefined
 * when it may not be served: a segment that is not a plain name (dot files and folders,
 * `..`), anything but a file, or a target outside the runs folder once links are followed
 * (`latest` itself leads inside).
 */
async function servableFile(dir: string, relative: string): Promise<string | undefined> {
  const segments = relative.split('/')
  if (!segments.every((segment) => RUN_NAME.test(segment))) return undefined
  const root = await realpath(dir).catch(() => undefined)
  const target = root && (await realPathInside(root, join(dir, ...segments)))
  const info = target ? await stat(target).catch(() => undefined) : undefined
  return info?.isFile() ? target : undefined
}

/** The real path of `path` (links followed) when it is inside the folder whose real path is `root`; else undefined. */
async function realPathInside(root: string, path: string): Promise<string | undefined> {
  const real = await realpath(path).catch(() => undefined)
  return real?.startsWith(root + sep) ? real : undefined
}

const runLink = (name: string, file = ''): string => `/runs/${encodeURIComponent(name)}/${file ? encodeURIComponent(file) : ''}`

export type RunsAppOptions = { dir: string }

/** The Hono app behind `serve` (usable without a socket: `app.request(...)`). */
export function createRunsApp(options: RunsAppOptions): Hono {
  const dir = resolve(options.dir)
  const app = new Hono()
  app.get('/', async (c) => {
    const runs = await listRuns(dir)
    const rows = runs.map((r) => {
      const run = r.summary?.run
      return html`<tr>
        <td><a href="${runLink(r.name)}">${r.name}</a>${r.latest ? html` <span class="muted">(latest)</span>` : ''}</td>
        <td>${run?.startedAt ?? ''}</td>
        <td>${run ? `${run.workload.name} (${run.workload.kind})` : ''}</td>
        <td>${run ? storeOf(run).summary : ''}</td>
        <td>${run ? run.nemeses.join('+') || 'none' : ''}</td>
        <td>${r.summary ? r.summary.ops.toLocaleString('en-US') : ''}</td>
        <td>
          ${
            r.summary
              ? html`<span class="exit-${r.summary.exitCode}">exit ${r.summary.exitCode}</span> ${r.summary.reason}`
              : html`<span class="muted">${r.problem ?? (r.hasHistory ? `not analysed: quorumlab report ${join(dir, r.name)}` : 'no history')}</span>`
          }
        </td>
        <td>${r.hasReport ? html`<a href="${runLink(r.name, 'index.html')}">report</a>` : ''}</td>
      </tr>`
    })
    return c.html(
      page(
        'quorumlab runs',
        html`<h1>quorumlab runs</h1>
          <p class="muted">${dir} · ${runs.length} runs</p>
          <table>
            <thead>
              <tr><th>run</th><th>started</th><th>workload</th><th>store</th><th>nemesis</th><th>ops</th><th>verdict</th><th></th></tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`,
      ),
    )
  })
  app.get('/runs.json', async (c) => c.json(await listRuns(dir)))
  app.get('/runs/:name/', async (c) => {
    const name = c.req.param('name')
    const target = name === LATEST ? await latestRun(dir) : name
    const run = target && RUN_NAME.test(target) ? (await listRuns(dir)).find((r) => r.name === target) : undefined
    if (!run) return c.html(page('not found', html`<h1>No run called ${name}</h1><p><a href="/">all runs</a></p>`), 404)
    return c.html(
      page(
        run.name,
        html`<h1>${run.name}</h1>
          <p><a href="/">all runs</a>${run.hasReport ? html` · <a href="${runLink(run.name, 'index.html')}">HTML report</a>` : ''}</p>
          <ul>
            ${run.files.map((f) => html`<li><a href="${runLink(run.name, f)}">${f}</a></li>`)}
          </ul>`,
      ),
    )
  })
  app.get('/runs/:name', (c, next) => (RUN_NAME.test(c.req.param('name')) ? c.redirect(runLink(c.req.param('name'))) : next()))
  app.get('/runs/*', async (c, next) => {
    const file = await servableFile(dir, c.req.path.slice('/runs/'.length))
    // Served from the checked real path, so a link swapped after the check is not followed.
    return file ? serveStatic({ path: file })(c, next) : next()
  })
  app.notFound((c) => c.html(page('not found', html`<h1>Not found</h1><p><a href="/">all runs</a></p>`), 404))
  return app
}

export type ServeOptions = {
  /** Interface to listen on (default 127.0.0.1: only this machine). */
  host?: string
  /** Port; 0 picks a free one (default 8080). */
  port?: number
  /** The runs folder (default `runs`). */
  dir?: string
}

export type RunsServer = { url: string; server: ServerType; close(): Promise<void> }

/** Starts serving the runs folder; resolves once listening. */
export async function serveRuns(options: ServeOptions = {}): Promise<RunsServer> {
  const app = createRunsApp({ dir: options.dir ?? 'runs' })
  const host = options.host ?? '127.0.0.1'
  const server = await new Promise<ServerType>((ready, fail) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 8080 }, () => ready(s))
    s.once('error', fail)
  })
  const { port } = server.address() as AddressInfo
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown}:${port}`,
    server,
    close: () => new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done()))),
  }
}
