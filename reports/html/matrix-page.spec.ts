/**
 * The matrix page in headless Chromium, on a matrix of analysed synthetic runs: it opens
 * from disk with no network, draws every small multiple, redraws them for another measure
 * and other axes, fits a 1400 px window without scrolling sideways, shows every check any
 * run reported (a model check it was never told the name of included), links every cell
 * to its runs' reports, says which run failed and why, and shows a hostile value as text.
 */
import { test } from '@japa/runner'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Page } from 'playwright-core'
import { tempDir } from '../testing/analyse.ts'
import { chartPaint, launchChromium, openPage, type PageGlobals } from '../testing/browser.ts'
import { HOSTILE_VALUE, PLANTED_MODEL, writeMatrixFixture } from '../testing/matrix-fixture.ts'

/** The ids of the panels drawn now. */
const panelIds = (page: Page): Promise<string[]> => page.locator('#panels .chart').evaluateAll((holders) => holders.map((h) => h.id))

/** Width of the page's content and of the window: no horizontal scrolling when the first is at most the second. */
const widths = (page: Page): Promise<{ scroll: number; client: number }> =>
  page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document
      .documentElement
    return { scroll: root.scrollWidth, client: root.clientWidth }
  })

test.group('matrix page in Chromium', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(120_000)

  test('draws every panel, redraws on a new pick, fits 1400 px, shows every check and links every run', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const { plan, summaries } = await writeMatrixFixture(dir)
    const browser = await launchChromium()
    cleanup(() => browser.close())
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    const file = join(dir, 'index.html')
    const watch = await openPage(page, file)
    assert.deepEqual(watch.errors, [], 'console errors')
    assert.deepEqual(watch.dialogs, [], 'the hostile value never ran')
    assert.deepEqual(
      watch.requests.filter((url) => !url.startsWith('data:')),
      [pathToFileURL(file).href],
      'no request beyond the file itself',
    )

    // Measure stale reads against r, a line per w: one panel per concurrency value.
    let ids = await panelIds(page)
    assert.lengthOf(ids, 3)
    for (const [id, paint] of Object.entries(await chartPaint(page, ids))) {
      assert.isTrue(paint.painted, `${id} is drawn`)
      assert.isAbove(paint.points, 0, `${id} has points`)
    }
    const { scroll, client } = await widths(page)
    assert.equal(client, 1400)
    assert.isAtMost(scroll, client, 'no horizontal scrolling of the main view')

    await page.selectOption('#pick-measure', 'readP99Ms')
    await page.selectOption('#pick-x', 'concurrency')
    await page.selectOption('#pick-lines', '')
    ids = await panelIds(page)
    assert.lengthOf(ids, 4, 'one panel per r x w')
    for (const [id, paint] of Object.entries(await chartPaint(page, ids))) assert.isTrue(paint.painted, `${id} is drawn after the new pick`)
    assert.include(await page.locator('.line-legend').textContent(), 'read p99 (ms) against concurrency')
    assert.isAtMost((await widths(page)).scroll, 1400)

    const checkNames = await page.locator('table.cells th.check-name').allTextContents()
    const reported = new Set([...summaries.values()].flatMap((s) => s.verdict.checks.map((c) => c.name)))
    assert.sameMembers(checkNames, [...reported])
    assert.include(checkNames, PLANTED_MODEL)
    assert.include(await page.locator(`#cell-c01 td.check[title^="${PLANTED_MODEL}"]`).textContent(), '!', 'the model anomaly shows')

    const links = await page.locator('table.cells td.cell-id a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))
    const expected = plan.cells.flatMap((c) => c.runs.filter((r) => r.folder).map((r) => `${r.folder}/index.html`))
    for (const href of expected) assert.include(links, href)
    for (const href of links) assert.isTrue(existsSync(join(dir, href)), `${href} exists`)

    // biome-ignore lint/performance/useDomNodeTextContent: innerText is the text the page renders (script blocks left out)
    const text = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.innerText)
    assert.include(text, HOSTILE_VALUE, 'the hostile value is shown as text')
    assert.include(text, 'c02 repeat 3 failed: the cluster did not start: port in use')
    assert.match(
      (await page.locator('#matrix-facts').textContent()) ?? '',
      /run 2026-01-01 00:00:00 UTC · seed 1 .* time 3 s .* rate 500 ops\/s/,
    )
    assert.include(await page.locator('#cell-c08').textContent(), 'not run')
  })
})
