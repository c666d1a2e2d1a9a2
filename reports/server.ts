/**
 * `quorumlab serve`: browses the runs folder, like Jepsen's `serve`. `/` lists every run
 * (newest first, with its verdict read from summary.json), `/runs/<name>/` lists a run's
 * files, and `/runs/<name>/<file>` serves them (the HTML report opens as is). Listens on
 * 127.0.0.1 unless told otherwise. Run names and summaries are escaped by hono's `html`.
 */
import { serve, type ServerType } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { html } from 'hono/html'
import { readdir, readFile, readlink, stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { basename, join, resolve } from 'node:path'
import type { RunInfo } from '../harness/history/record.ts'
import type { RunSummary } from './summary.ts'

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
/** What a run folder may be called in a URL: no separators, no dot files. */
const RUN_NAME = /^[^/\\.][^/\\]*$/

/** The runs in `dir`, newest first (run folders start with a timestamp). */
export async function listRuns(dir: string): Promise<RunListing[]> {
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch {
    return []
  }
  const latestTarget = await readlink(join(dir, LATEST)).then((target) => basename(target), () => null)
  const runs: RunListing[] = []
  for (const name of entries) {
    if (name === LATEST || !RUN_NAME.test(name)) continue
    const path = join(dir, name)
    const info = await stat(path).catch(() => null)
    if (!info?.isDirectory()) continue
    const files = (await readdir(path).catch(() => [] as string[])).filter((f) => RUN_NAME.test(f)).sort()
    let summary: RunListing['summary'] = null
    let problem: string | null = null
    if (files.includes('summary.json')) {
      try {
        const parsed = JSON.parse(await readFile(join(path, 'summary.json'), 'utf8')) as Partial<RunSummary>
        summary = {
          exitCode: Number(parsed.exitCode),
          reason: String(parsed.verdict?.reason ?? ''),
          ops: Number(parsed.history?.ops ?? 0),
          run: parsed.run ?? null,
        }
      } catch (error) {
        problem = `summary.json unreadable: ${(error as Error).message}`
      }
    }
    runs.push({ name, latest: name === latestTarget, hasHistory: files.includes('history.jsonl'), hasReport: files.includes('index.html'), files, summary, problem })
  }
  return runs.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0))
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}th{background:#f5f5f5}
.exit-0{color:#2e7d32;font-weight:600}.exit-1{color:#c62828;font-weight:600}.exit-2{color:#ef6c00;font-weight:600}.muted{color:#777}`

const page = (title: string, body: unknown) => html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:" />
    <title>${title}</title>
    <link rel="icon" href="data:," />
    <style>
      ${STYLE}
    </style>
  </head>
  <body>
    ${body}
  </body>
</html>`

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
        <td>${run ? `${run.versioning} N=${run.n} R=${run.r} W=${run.w} ${run.strict ? 'strict' : 'sloppy'}` : ''}</td>
        <td>${run ? run.nemeses.join('+') || 'none' : ''}</td>
        <td>${r.summary ? r.summary.ops.toLocaleString('en-US') : ''}</td>
        <td>
          ${r.summary
            ? html`<span class="exit-${r.summary.exitCode}">exit ${r.summary.exitCode}</span> ${r.summary.reason}`
            : html`<span class="muted">${r.problem ?? (r.hasHistory ? 'not analysed: quorumlab report ' + join(dir, r.name) : 'no history')}</span>`}
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
    const run = RUN_NAME.test(name) ? (await listRuns(dir)).find((r) => r.name === name) : undefined
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
  app.use(
    '/runs/*',
    serveStatic({
      root: dir,
      rewriteRequestPath: (path) => path.replace(/^\/runs/, ''),
    }),
  )
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
