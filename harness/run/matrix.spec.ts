/**
 * A short matrix of two cells, end to end: both runs happen, each is analysed, and the
 * summary (matrix.csv, index.html) compares them; the page opens in headless Chromium.
 */
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { test } from '@japa/runner'
import { launchChromium } from '../../reports/testing/browser.ts'
import { MATRIX_COLUMNS } from '../../reports/index.ts'
import { PRESETS } from '../../workloads/workload.ts'
import { runMatrix } from './matrix.ts'
import { shortRunOptions } from './testing.ts'

test.group('scenario matrix', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('two cells run, are analysed and compared side by side', async ({ assert, cleanup }) => {
    const base = await shortRunOptions(cleanup, { timeS: 4, nemesisIntervalS: 2 })
    const result = await runMatrix({
      workloads: [{ ...PRESETS.clustered, keys: 8 }],
      nemeses: [[], ['crash']],
      runOptions: (workload, nemeses, out) => ({ ...base, workload, nemeses, out }),
      out: base.out,
    })
    assert.isTrue(result.completed)
    assert.deepEqual(
      result.rows.map((r) => `${r.workload}/${r.nemesis}`),
      ['clustered/none', 'clustered/crash'],
    )
    for (const row of result.rows) {
      assert.equal(row.exitCode, 0, row.verdict)
      assert.isAbove(row.ops ?? 0, 0)
      assert.isTrue(existsSync(join(result.dir, row.run, 'summary.json')))
    }
    const [calm, crashed] = result.rows
    assert.equal(calm.okRate, 1)
    assert.isNull(calm.faultOkRate, 'no faults, no fault phase')
    assert.isBelow(crashed.faultOkRate ?? 1, 1, 'ops to the crashed node failed during the fault')

    const csv = readFileSync(join(result.dir, 'matrix.csv'), 'utf8').trim().split('\n')
    assert.equal(csv[0], MATRIX_COLUMNS.map((c) => c.title).join(','))
    assert.lengthOf(csv, 3)
    assert.match(csv[2], /^clustered,crash,/)

    const browser = await launchChromium()
    cleanup(() => browser.close())
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()))
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(pathToFileURL(join(result.dir, 'index.html')).href)
    const cells = await page.locator('tbody tr').count()
    assert.equal(cells, 2)
    const links = await page.locator('tbody a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))
    assert.deepEqual(
      links,
      result.rows.map((r) => `${r.run}/index.html`),
    )
    assert.deepEqual(errors, [])
  })
})
