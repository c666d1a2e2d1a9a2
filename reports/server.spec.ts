/**
 * The runs server: an index of matrices with their cells and of runs with their verdicts
 * (names escaped), each run's files
 * (the latest run's under /runs/latest/), no dot files and nothing outside the runs folder
 * even through links, a broken summary shown as a problem, and a real socket on 127.0.0.1
 * by default.
 */
import { test } from '@japa/runner'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { reportRun } from './report-run.ts'
import { createRunsApp, listMatrices, listRuns, serveRuns } from './server.ts'
import { tempDir } from './testing/analyse.ts'
import { HistoryBuilder } from './testing/history-builder.ts'
import { writeMatrixFixture } from './testing/matrix-fixture.ts'

const HOSTILE_NAME = '20260101T000000-<img src=x onerror=alert(1)>-none'

/**
 * A temp folder (removed after the test) holding runs/: an analysed run, an unanalysed one
 * with an HTML-like name, `latest`, and a secret next to runs/. Returns both folders.
 */
async function runsFolder(cleanup: (remove: () => Promise<void>) => void): Promise<{ root: string; runs: string }> {
  const { dir: root, remove } = await tempDir()
  cleanup(remove)
  const runs = join(root, 'runs')
  const h = new HistoryBuilder()
  h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
  h.get({ process: 5, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [20, 21] })
  await h.end().writeRun(join(runs, '20260102T000000-clustered-partition'))
  await reportRun(join(runs, '20260102T000000-clustered-partition'), { quiet: true, workers: 0 })
  await new HistoryBuilder().writeRun(join(runs, HOSTILE_NAME))
  await symlink('20260102T000000-clustered-partition', join(runs, 'latest'))
  await mkdir(join(runs, '.hidden'))
  await writeFile(join(root, 'secret.txt'), 'not for the web')
  return { root, runs }
}

test.group('runs server', () => {
  test('serves no dot file, dot folder, or link leading outside the runs folder', async ({ assert, cleanup }) => {
    const { root, runs } = await runsFolder(cleanup)
    const run = join(runs, '20260102T000000-clustered-partition')
    await mkdir(join(run, '.git'))
    await writeFile(join(run, '.git', 'config'), 'not for the web')
    await writeFile(join(run, '.env'), 'not for the web')
    await writeFile(join(runs, '.hidden', 'x.txt'), 'not for the web')
    await symlink(join(root, 'secret.txt'), join(run, 'link.txt'))
    await symlink(root, join(runs, 'outside'))
    const app = createRunsApp({ dir: runs })
    for (const path of [
      '/runs/20260102T000000-clustered-partition/.git/config',
      '/runs/20260102T000000-clustered-partition/.env',
      '/runs/.hidden/x.txt',
      '/runs/20260102T000000-clustered-partition/link.txt',
      '/runs/outside/secret.txt',
      '/runs/latest/.env',
    ]) {
      const response = await app.request(path)
      assert.equal(response.status, 404, path)
      assert.notInclude(await response.text(), 'not for the web', path)
    }
    assert.equal((await app.request('/runs/latest/summary.json')).status, 200, 'latest leads inside the runs folder')
    assert.notInclude(
      (await listRuns(runs)).map((r) => r.name),
      'outside',
      'a linked folder outside is no run',
    )
    assert.equal((await app.request('/runs/outside/')).status, 404)
  })

  test('/runs/latest/ lists the latest run', async ({ assert, cleanup }) => {
    const app = createRunsApp({ dir: (await runsFolder(cleanup)).runs })
    const redirect = await app.request('/runs/latest')
    assert.equal(redirect.status, 302)
    assert.equal(redirect.headers.get('location'), '/runs/latest/')
    const listing = await app.request('/runs/latest/')
    assert.equal(listing.status, 200)
    const page = await listing.text()
    assert.include(page, '<h1>20260102T000000-clustered-partition</h1>')
    assert.include(page, 'href="/runs/20260102T000000-clustered-partition/summary.json"')
  })

  test('a summary.json of the wrong shape shows as a problem; the index still lists every run', async ({ assert, cleanup }) => {
    const { runs } = await runsFolder(cleanup)
    for (const [name, text] of [
      ['20260103T000000-empty-run', '{"exitCode":0,"run":{}}'],
      ['20260104T000000-no-verdict', '{"exitCode":0,"history":{"ops":1},"run":null}'],
      ['20260105T000000-not-an-object', '[1, 2]'],
    ]) {
      await mkdir(join(runs, name))
      await writeFile(join(runs, name, 'summary.json'), text)
    }
    const listing = await listRuns(runs)
    for (const name of ['20260103T000000-empty-run', '20260104T000000-no-verdict', '20260105T000000-not-an-object']) {
      assert.deepInclude(
        listing.find((r) => r.name === name),
        { summary: null, problem: 'summary.json has an unexpected shape' },
        name,
      )
    }
    const index = await createRunsApp({ dir: runs }).request('/')
    assert.equal(index.status, 200)
    const page = await index.text()
    assert.include(page, 'summary.json has an unexpected shape')
    assert.include(page, 'exit 0', 'the good run is still shown with its verdict')
  })

  test('lists runs newest first, with verdicts, marks latest, and escapes names', async ({ assert, cleanup }) => {
    const { runs } = await runsFolder(cleanup)
    const listing = await listRuns(runs)
    assert.deepEqual(
      listing.map((r) => r.name),
      ['20260102T000000-clustered-partition', HOSTILE_NAME],
    )
    assert.deepInclude(listing[0], { latest: true, hasHistory: true, hasReport: true })
    assert.equal(listing[0].summary?.exitCode, 0)
    assert.isNull(listing[1].summary)

    const app = createRunsApp({ dir: runs })
    const index = await app.request('/')
    assert.equal(index.status, 200)
    const page = await index.text()
    assert.include(page, '20260102T000000-clustered-partition')
    assert.include(page, '(latest)')
    assert.include(page, 'exit 0')
    assert.include(page, '&lt;img src=x onerror=alert(1)&gt;')
    assert.notInclude(page, '<img')
    assert.notInclude(page, '.hidden')
  })

  test("serves a run's files and its report, and nothing outside the runs folder", async ({ assert, cleanup }) => {
    const app = createRunsApp({ dir: (await runsFolder(cleanup)).runs })
    const report = await app.request('/runs/20260102T000000-clustered-partition/index.html')
    assert.equal(report.status, 200)
    assert.match(report.headers.get('content-type') ?? '', /text\/html/)
    assert.include(await report.text(), 'id="report-data"')
    const files = await (await app.request('/runs/20260102T000000-clustered-partition/')).text()
    for (const file of ['ops.csv', 'summary.json', 'history.jsonl']) assert.include(files, file)
    assert.equal((await app.request('/runs/latest/summary.json')).status, 200, 'latest follows the link')
    for (const path of ['/runs/..%2Fsecret.txt', '/runs/%2e%2e/secret.txt', '/secret.txt', '/runs/nope/', '/runs/.hidden/']) {
      const response = await app.request(path)
      assert.equal(response.status, 404, path)
      assert.notInclude(await response.text(), 'not for the web', path)
    }
  })

  test("lists a matrix as a matrix with its cells (not as a run), its page its cells, and serves its runs' reports", async ({
    assert,
    cleanup,
  }) => {
    const { runs } = await runsFolder(cleanup)
    const name = '20260106T000000-matrix'
    await mkdir(join(runs, name))
    const { plan } = await writeMatrixFixture(join(runs, name), 1)
    await mkdir(join(runs, '20260107T000000-broken-matrix'))
    await writeFile(join(runs, '20260107T000000-broken-matrix', 'matrix.json'), '{"format": 1}')
    assert.notInclude(
      (await listRuns(runs)).map((r) => r.name),
      name,
      'a matrix is no run',
    )
    const matrices = await listMatrices(runs)
    assert.deepEqual(
      matrices.map((m) => m.name),
      ['20260107T000000-broken-matrix', name],
    )
    assert.match(matrices[0].problem ?? '', /lacks its name/)
    assert.deepEqual(
      matrices[1].matrix?.cells.map((c) => c.id),
      plan.cells.map((c) => c.id),
    )

    const app = createRunsApp({ dir: runs })
    const index = await (await app.request('/')).text()
    assert.include(index, '<h2>Matrices</h2>')
    assert.include(index, `href="/runs/${name}/index.html">comparison page</a>`)
    assert.include(index, 'varies r × w × concurrency')
    assert.include(index, `href="/runs/${name}/c01-rep1/index.html">repeat 1</a>`)
    assert.include(index, 'r=1 w=1 concurrency=4')
    assert.include(index, 'lacks its name')
    assert.notInclude(index, 'no history', 'neither matrix is shown as a run without history')
    assert.notInclude(index, '<img', 'a hostile axis value is escaped')

    const cells = await (await app.request(`/runs/${name}/`)).text()
    for (const c of plan.cells) assert.include(cells, `<td>${c.id}</td>`)
    assert.include(cells, `href="/runs/${name}/matrix.csv"`)
    const report = await app.request(`/runs/${name}/c01-rep1/index.html`)
    assert.equal(report.status, 200)
    assert.include(await report.text(), 'id="report-data"')
    const page = await app.request(`/runs/${name}/index.html`)
    assert.include(await page.text(), 'id="matrix-data"')
  })

  test('listens on 127.0.0.1 by default and closes', async ({ assert, cleanup }) => {
    const server = await serveRuns({ dir: (await runsFolder(cleanup)).runs, port: 0 })
    cleanup(() => server.close())
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    const response = await fetch(`${server.url}/runs.json`)
    assert.equal(response.status, 200)
    const runs = (await response.json()) as { name: string }[]
    assert.lengthOf(runs, 2)
  })
})
