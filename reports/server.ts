/**
 * `quorumlab serve`: browses the runs folder, like Jepsen's `serve`. `/` lists every
 * matrix folder (from its matrix.json: its axes and its cells, each linked to its runs'
 * reports) and every run (newest first, with its verdict read from summary.json);
 * `/runs/<name>/` lists a matrix's cells or a run's
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
import { MATRIX_FILE } from './matrix-data.ts'
import { readMatrixListing, type MatrixListing } from './matrix-listing.ts'
import { nemesesText } from './format.ts'

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

/** The plain-named folders of `dir` that lie inside it once links are followed, and where `latest` points. */
async function foldersOf(dir: string): Promise<{ names: string[]; latest: string | null }> {
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch {
    return { names: [], latest: null }
  }
  const root = await realpath(dir)
  const names: string[] = []
  for (const name of entries) {
    if (name === LATEST || !RUN_NAME.test(name)) continue
    const path = join(dir, name)
    const info = await stat(path).catch(() => null)
    if (info?.isDirectory() && (await realPathInside(root, path))) names.push(name)
  }
  // Newest first: run and matrix folders start with a timestamp.
  return { names: names.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)), latest: await latestRun(dir) }
}

const isMatrixFolder = (path: string): Promise<boolean> =>
  stat(join(path, MATRIX_FILE)).then(
    (info) => info.isFile(),
    () => false,
  )

/** The runs in `dir`, newest first; matrix folders are left out ({@link listMatrices}). */
export async function listRuns(dir: string): Promise<RunListing[]> {
  const { names, latest } = await foldersOf(dir)
  const runs: RunListing[] = []
  for (const name of names) {
    const path = join(dir, name)
    if (await isMatrixFolder(path)) continue
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
      latest: name === latest,
      hasHistory: files.includes(HISTORY_FILE),
      hasReport: files.includes('index.html'),
      files,
      summary,
      problem,
    })
  }
  return runs
}

/** A matrix folder of the runs folder: its listing, or why its matrix.json cannot be read. */
export type MatrixFolder = { name: string; matrix: MatrixListing | null; problem: string | null }

/** The matrix folders in `dir` (those with a matrix.json), newest first. */
export async function listMatrices(dir: string): Promise<MatrixFolder[]> {
  const { names } = await foldersOf(dir)
  const matrices: MatrixFolder[] = []
  for (const name of names) {
    const listing = await readMatrixListing(join(dir, name))
    if (listing === null) continue
    matrices.push(typeof listing === 'string' ? { name, matrix: null, problem: listing } : { name, matrix: listing, problem: null })
  }
  return matrices
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

/** The URL of a run folder, or of a file in it (`file` may be a relative path: each segment is encoded). */
const runLink = (name: string, file = ''): string =>
  `/runs/${encodeURIComponent(name)}/${file.split('/').filter(Boolean).map(encodeURIComponent).join('/')}`

export type RunsAppOptions = { dir: string }

/** The runs table of the index. */
function runsTable(dir: string, runs: RunListing[]) {
  const rows = runs.map((r) => {
    const run = r.summary?.run
    return html`<tr>
      <td><a href="${runLink(r.name)}">${r.name}</a>${r.latest ? html` <span class="muted">(latest)</span>` : ''}</td>
      <td>${run?.startedAt ?? ''}</td>
      <td>${run ? `${run.workload.name} (${run.workload.kind})` : ''}</td>
      <td>${run ? storeOf(run).summary : ''}</td>
      <td>${run ? nemesesText(run) : ''}</td>
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
  return html`<table>
    <thead>
      <tr><th>run</th><th>started</th><th>workload</th><th>store</th><th>nemesis</th><th>ops</th><th>verdict</th><th></th></tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`
}

/** A matrix's cells: each one's configuration, status and a link to every run's report. */
function matrixCells(name: string, matrix: MatrixListing) {
  return html`<table class="cells">
    <thead><tr><th>cell</th><th>configuration</th><th>status</th><th>runs</th></tr></thead>
    <tbody>
      ${matrix.cells.map(
        (cell) => html`<tr>
          <td>${cell.id}</td>
          <td>${Object.entries(cell.config)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}</td>
          <td>${cell.status}</td>
          <td>
            ${cell.runs.map((run) =>
              run.folder && run.report
                ? html`<a href="${runLink(name, run.report)}">repeat ${run.repeat}</a> `
                : html`<span class="muted">repeat ${run.repeat} ${run.status}</span> `,
            )}
          </td>
        </tr>`,
      )}
    </tbody>
  </table>`
}

/** The matrices of the index, each with its cells. */
function matricesBlock(matrices: MatrixFolder[]) {
  return matrices.map(({ name, matrix, problem }) => {
    if (!matrix) return html`<h3><a href="${runLink(name)}">${name}</a></h3><p class="muted">${problem}</p>`
    const runs = matrix.cells.reduce((n, c) => n + c.runs.length, 0)
    return html`<h3><a href="${runLink(name, 'index.html')}">${name}</a></h3>
      <p>
        ${matrix.startedAt} · varies ${matrix.axes.join(' × ') || 'nothing'} · ${matrix.cells.length} cells, ${runs} runs
        (${matrix.repeat} a cell) · <span class="exit-${matrix.exitCode}">exit ${matrix.exitCode}</span> ·
        <a href="${runLink(name, 'index.html')}">comparison page</a> · <a href="${runLink(name)}">files</a>
      </p>
      <details ${matrix.cells.length <= 12 ? 'open' : ''}>
        <summary>cells</summary>
        ${matrixCells(name, matrix)}
      </details>`
  })
}

/** A matrix folder's page: its outputs, and its cells with their runs. */
function matrixPage(dir: string, { name, matrix, problem }: MatrixFolder) {
  const files = ['index.html', 'matrix.json', 'matrix.csv']
  return html`<h1>${name}</h1>
    <p><a href="/">all runs</a> · ${files.map((f) => html`<a href="${runLink(name, f)}">${f}</a> `)}</p>
    ${matrix ? matrixCells(name, matrix) : html`<p class="muted">${problem}; rebuild it with quorumlab report ${join(dir, name)}</p>`}`
}

/** The Hono app behind `serve` (usable without a socket: `app.request(...)`). */
export function createRunsApp(options: RunsAppOptions): Hono {
  const dir = resolve(options.dir)
  const app = new Hono()
  app.get('/', async (c) => {
    const [runs, matrices] = await Promise.all([listRuns(dir), listMatrices(dir)])
    return c.html(
      page(
        'quorumlab runs',
        html`<h1>quorumlab runs</h1>
          <p class="muted">${dir} · ${runs.length} runs, ${matrices.length} ${matrices.length === 1 ? 'matrix' : 'matrices'}</p>
          ${matrices.length > 0 ? html`<h2>Matrices</h2>${matricesBlock(matrices)}<h2>Runs</h2>` : ''}
          ${runsTable(dir, runs)}`,
      ),
    )
  })
  app.get('/runs.json', async (c) => c.json(await listRuns(dir)))
  app.get('/matrices.json', async (c) => c.json(await listMatrices(dir)))
  app.get('/runs/:name/', async (c) => {
    const name = c.req.param('name')
    const target = name === LATEST ? await latestRun(dir) : name
    const matrix = target && RUN_NAME.test(target) ? (await listMatrices(dir)).find((m) => m.name === target) : undefined
    if (matrix) return c.html(page(matrix.name, matrixPage(dir, matrix)))
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
