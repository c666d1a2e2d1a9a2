/**
 * The report page's PBS section in headless Chromium: the predicted and observed curves
 * drawn per phase with the comparison table, and, when R + W > N, the exact prediction said
 * in words with only the observed curve drawn.
 */
import { test } from '@japa/runner'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { WARS_FILE } from '../../common/contracts/wars.ts'
import { reportRun } from '../report-run.ts'
import { tempDir } from '../testing/analyse.ts'
import { chartPaint, launchChromium, openPage } from '../testing/browser.ts'
import { constantSamples, pbsHistory, warsFile } from '../testing/pbs-fixture.ts'

async function reportWithWars(cleanup: (f: () => Promise<void>) => void, config: { r: number; w: number }, fault?: [number, number]) {
  const { dir, remove } = await tempDir()
  cleanup(remove)
  await pbsHistory(config, 40, fault).writeRun(dir)
  const slow = constantSamples(300, 1000, 40)
  const legs = (calmMs: number) => [...constantSamples(calmMs, 0), ...slow, ...constantSamples(calmMs, 2500)]
  await writeFile(join(dir, WARS_FILE), JSON.stringify(warsFile({ write: legs(10), ack: legs(0), read: legs(0), response: legs(0) })))
  const report = await reportRun(dir, { quiet: true, workers: 0 })
  if (report.kind !== 'analysed') throw new Error(report.reason)
  return { dir, report }
}

test.group('PBS section of the report page in Chromium', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(60_000)

  test('draws predicted over observed per phase, with the agreement and the reason', async ({ assert, cleanup }) => {
    const { dir } = await reportWithWars(cleanup, { r: 1, w: 1 }, [995, 1995])
    const browser = await launchChromium()
    cleanup(() => browser.close())
    const page = await browser.newPage()
    const watch = await openPage(page, join(dir, 'index.html'))
    assert.deepEqual(watch.errors, [])
    const charts = ['chart-pbs-calm', 'chart-pbs-fault']
    const paint = await chartPaint(page, charts)
    for (const id of charts) {
      assert.isTrue(paint[id].painted, `${id} is drawn`)
      assert.isAbove(paint[id].points, 0)
    }
    const rows = await page.locator('table.pbs tbody tr').allTextContents()
    assert.lengthOf(rows, 2)
    assert.match(rows[0], /^calm/)
    assert.include(rows[0], 'agree')
    assert.match(rows[1], /^fault/)
    const section = (await page.locator('#pbs').textContent()) ?? ''
    assert.include(section, 'the store behaves as the WARS model of its measured latencies predicts')
    assert.include(section, 'N=3 R=1 W=1')
    // Two series per chart: observed and the dashed prediction.
    assert.include(await page.locator('#chart-pbs-calm').textContent(), 'predicted (WARS)')
  })

  test('R + W > N: says the prediction is exactly 1 and draws only the observed curve', async ({ assert, cleanup }) => {
    const { dir } = await reportWithWars(cleanup, { r: 2, w: 2 })
    const browser = await launchChromium()
    cleanup(() => browser.close())
    const page = await browser.newPage()
    const watch = await openPage(page, join(dir, 'index.html'))
    assert.deepEqual(watch.errors, [])
    const paint = await chartPaint(page, ['chart-pbs-calm'])
    assert.isTrue(paint['chart-pbs-calm'].painted)
    const section = (await page.locator('#pbs').textContent()) ?? ''
    assert.include(section, 'the prediction is exactly 1 at every t, not drawn')
    assert.include(section, 'R + W > N (2 + 2 > 3)')
    assert.notInclude(await page.locator('#chart-pbs-calm').textContent(), 'predicted (WARS)')
  })
})
