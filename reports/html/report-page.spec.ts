/**
 * The HTML report in headless Chromium: it opens from disk with no network, draws every
 * chart, logs no error, shows stored values as text (a value that is an HTML tag with an
 * onerror handler stays text and never runs), and thins what it draws at 100k ops. The
 * finding first: headline figures and the folded verdict in the first screen at 1400x900,
 * fault shading named, the final reads marked and off the y axis, legends with summaries,
 * faults in words, the lww staleness note.
 */
import { test } from '@japa/runner'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { reportRun } from '../report-run.ts'
import { chartPaint, launchChromium, openPage, type PageGlobals } from '../testing/browser.ts'
import { tempDir } from '../testing/analyse.ts'
import { FAULTY_RUN, faultyRun } from '../testing/faulty-run.ts'
import { HistoryBuilder } from '../testing/history-builder.ts'
import { writeSyntheticHistory } from '../testing/synthetic-history.ts'

const HOSTILE = '<img src=x onerror=alert(1)>'
const CHARTS = [
  'chart-latency-scatter',
  'chart-latency-quantiles',
  'chart-throughput',
  'chart-staleness',
  'chart-visibility',
  'chart-k-histogram',
  'chart-sibling-histogram',
  'chart-node-load',
]

test.group('HTML report in Chromium', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(60_000)

  test('renders every chart offline, without errors, and shows a stored HTML tag as text', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const h = new HistoryBuilder({
      versioning: 'dvv',
      nemeses: ['partition'],
      repair: { readRepair: true, hintedHandoff: true, antiEntropy: true },
    })
    h.nemesis('partition', 5, 25, { kind: 'isolate', groups: [['n1'], ['n2', 'n3']] })
    h.put({ process: 0, key: HOSTILE, value: HOSTILE, dot: ['n1', 1], at: [0, 10] })
    h.put({ process: 1, key: HOSTILE, value: 'b', dot: ['n2', 1], at: [1, 12] })
    h.get({ process: 2, key: HOSTILE, values: ['b'], versions: [['n2', 1]], context: { n2: 1 }, at: [15, 18] })
    h.get({ process: 2, key: HOSTILE, type: 'info', at: [20, 40] })
    h.put({ process: 3, key: HOSTILE, value: 'c', type: 'fail', at: [22, 23] })
    h.get({ process: 5, key: HOSTILE, values: ['b'], versions: [['n2', 1]], context: { n1: 1, n2: 1 }, phase: 'final', at: [50, 51] })
    // Every home replica's own copy lacks the hostile write too: its example quotes the value.
    for (const node of ['n1', 'n2', 'n3']) {
      h.get({
        process: 6,
        key: HOSTILE,
        node,
        values: ['b'],
        versions: [['n2', 1]],
        context: { n1: 1, n2: 1 },
        replica: true,
        at: [52, 53],
      })
    }
    h.converged(true, 3, 45)
    await h.end().writeRun(dir)
    const printed: string[] = []
    const report = await reportRun(dir, { print: (text) => printed.push(text), workers: 0 })
    assert.equal(report.exitCode, 1, 'the lost write is a dvv violation')
    if (report.kind !== 'analysed') return

    const browser = await launchChromium()
    cleanup(() => browser.close())
    const page = await browser.newPage()
    const file = join(dir, 'index.html')
    const watch = await openPage(page, file)

    assert.deepEqual(watch.errors, [], 'console errors')
    assert.deepEqual(watch.dialogs, [], 'no dialog: the stored onerror never ran')
    assert.deepEqual(
      watch.requests.filter((url) => !url.startsWith('data:')),
      [pathToFileURL(file).href],
      'no request beyond the file itself',
    )
    const paint = await chartPaint(page, CHARTS)
    for (const id of CHARTS) {
      assert.isAtLeast(paint[id].canvases, 1, `${id} has a canvas`)
      assert.isTrue(paint[id].painted, `${id} is drawn`)
    }
    // biome-ignore lint/performance/useDomNodeTextContent: innerText is the text the page renders (script blocks left out)
    const text = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.innerText)
    assert.include(text, HOSTILE, 'the stored value appears as text')
    assert.match(text, /promised guarantees? violated/)
    assert.match(text, /acknowledged writes on every home replica\s+3 of 6 /)
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('img').length),
      0,
      'no <img> element was created',
    )
    const lostExample = await page.locator('details.examples code', { hasText: HOSTILE }).count()
    assert.isAtLeast(lostExample, 1, 'the lost write example quotes the value')

    // The page's verdict table and the terminal summary show the statuses summary.json holds.
    const checks = report.summary.verdict.checks
    assert.include(
      checks.map((c) => c.status),
      'violated',
    )
    assert.deepEqual(
      await page.locator('table.verdict tbody td:first-child').allTextContents(),
      checks.map((c) => c.name),
    )
    assert.deepEqual(
      await page.locator('table.verdict span.status').evaluateAll((spans) => spans.map((s) => s.getAttribute('class'))),
      checks.map((c) => `status ${c.status}`),
    )
    for (const c of checks) assert.match(printed.join('\n'), new RegExp(`^${c.name} +${c.promised ? 'yes' : 'no'} +${c.status} `, 'm'))
  })

  test('a store without version metadata: the store named, staleness not applicable, cas ops drawn, no error', async ({
    assert,
    cleanup,
  }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const store = {
      name: 'etcd',
      summary: 'etcd 3.6.16, 3 members, linearizable reads',
      versionMetadata: false,
      promises: ['linearizable'],
    }
    const h = new HistoryBuilder({ store })
    h.put({ process: 0, value: 'a', at: [0, 10] })
    h.cas({ process: 1, expected: 'a', value: 'b', at: [12, 20] })
    h.cas({ process: 2, expected: 'a', value: 'c', type: 'fail', error: 'cas_mismatch', at: [14, 22] })
    h.get({ process: 3, values: ['b'], context: null, at: [25, 30] })
    h.get({ process: 5, values: ['b'], context: null, phase: 'final', at: [40, 41] })
    await h.end().writeRun(dir)
    const report = await reportRun(dir, { quiet: true, workers: 0 })
    assert.equal(report.kind, 'analysed')

    const browser = await launchChromium()
    cleanup(() => browser.close())
    const page = await browser.newPage()
    const watch = await openPage(page, join(dir, 'index.html'))
    assert.deepEqual(watch.errors, [], 'console errors')
    assert.include(await page.locator('header').textContent(), store.summary)
    assert.include(await page.locator('#staleness').textContent(), 'Not applicable: the etcd store records no version metadata')
    assert.equal(await page.locator('#chart-staleness').count(), 0, 'no staleness chart drawn from nothing')
    const paint = await chartPaint(page, ['chart-latency-scatter', 'chart-throughput'])
    for (const id of ['chart-latency-scatter', 'chart-throughput']) assert.isTrue(paint[id].painted, `${id} is drawn`)
  })

  test('stays drawable at 100k ops: every chart has data, the per-op chart is thinned', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    await writeSyntheticHistory(join(dir, 'history.jsonl'), { ops: 100_000, rate: 2_000, seed: 3, r: 1, w: 1, concurrency: 32 })
    const report = await reportRun(dir, { quiet: true })
    assert.equal(report.kind, 'analysed')
    if (report.kind !== 'analysed') return
    assert.equal(report.summary.history.ops, 100_000 + 16 * 5, 'every op counted, final reads included')

    const browser = await launchChromium()
    cleanup(() => browser.close())
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    const watch = await openPage(page, join(dir, 'index.html'))
    assert.deepEqual(watch.errors, [])
    const paint = await chartPaint(page, CHARTS)
    for (const id of CHARTS) {
      assert.isTrue(paint[id].painted, `${id} is drawn`)
      assert.isAbove(paint[id].points, 0, `${id} has data`)
    }
    const scatter = paint['chart-latency-scatter'].points
    assert.isBelow(scatter, 50_000, 'the per-op chart draws a bounded number of points')
    assert.include(await page.locator('#latency').textContent(), `of ${(100_080).toLocaleString('en-US')} ops`)
  })
})

/** The faulty run (testing/faulty-run.ts) analysed, its report open at 1400x900 in Chromium. */
async function openFaultyRun(cleanup: (fn: () => Promise<void> | void) => void) {
  const { dir, remove } = await tempDir()
  cleanup(remove)
  await faultyRun().end().writeRun(dir)
  const report = await reportRun(dir, { quiet: true, workers: 0 })
  if (report.kind !== 'analysed') throw new Error(`the faulty run was not analysed: ${report.kind}`)
  const browser = await launchChromium()
  cleanup(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  const watch = await openPage(page, join(dir, 'index.html'))
  return { page, watch, summary: report.summary }
}

const TIME_CHARTS = ['chart-latency-scatter', 'chart-latency-quantiles', 'chart-throughput', 'chart-staleness', 'chart-node-load']

test.group('HTML report: the finding first', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(60_000)

  test('at 1400x900 the headline figures and the verdict table are in the first screen, the why texts folded', async ({
    assert,
    cleanup,
  }) => {
    const { page, watch, summary } = await openFaultyRun(cleanup)
    assert.deepEqual(watch.errors, [])
    const { fault, calm } = summary.headline
    assert.isNotNull(fault)
    const figures = page.locator('#headline [data-figure]')
    assert.deepEqual(await figures.evaluateAll((all) => all.map((f) => f.getAttribute('data-figure'))), [
      'ok',
      'p99',
      'stale',
      'siblings',
      'convergence',
      'lost',
    ])
    const ok = await page.locator('[data-figure=ok]').textContent()
    assert.include(ok, `${((fault?.okRate ?? 0) * 100).toFixed(1)}%`)
    assert.include(ok, `calm ${((calm.okRate ?? 0) * 100).toFixed(1)}%`)
    assert.match((await page.locator('[data-figure=p99]').textContent()) ?? '', /during faults150 mscalm 5\.00 ms \(30×\)/)
    assert.match((await page.locator('[data-figure=lost]').textContent()) ?? '', /lost writes1of 2 acknowledged writes/)
    assert.include(await page.locator('[data-figure=convergence]').textContent(), '40 ms')

    for (const part of ['#headline', 'table.verdict']) {
      const box = await page.locator(part).boundingBox()
      assert.isNotNull(box, part)
      assert.isAtMost((box?.y ?? 0) + (box?.height ?? 0), 900, `${part} ends within the first screen`)
    }

    const folded = page.locator('table.verdict details.why')
    assert.isAtLeast(await folded.count(), 5, 'the long why texts are folded')
    assert.deepEqual(await folded.evaluateAll((all) => all.filter((d) => d.hasAttribute('open')).length), 0)
    const first = summary.verdict.checks.find((c) => c.why.length > 48)
    const whole = page.locator('table.verdict details.why > p', { hasText: first?.why })
    assert.isFalse(await whole.isVisible(), 'the whole why text is hidden until unfolded')
    await page.locator('table.verdict details.why > summary').first().click()
    assert.isTrue(await whole.isVisible(), 'and shown when unfolded')
  })

  test('the fault shading names each nemesis of a combination; the final reads are marked and do not set the y max', async ({
    assert,
    cleanup,
  }) => {
    const { page } = await openFaultyRun(cleanup)
    for (const id of TIME_CHARTS) {
      const faults = page.locator(`#${id} .period-label[data-kind=fault]`)
      assert.deepEqual((await faults.allInnerTexts()).sort(), ['drop', 'latency', 'partition'], `${id} names each fault`)
      assert.deepEqual(await page.locator(`#${id} .period-label[data-kind=final]`).allInnerTexts(), ['final reads'], id)
      const boxes = await faults.evaluateAll((all) => all.map((l) => l.getBoundingClientRect().toJSON() as Record<string, number>))
      const overlaps = boxes.filter((a, i) =>
        boxes.some((b, j) => j !== i && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom),
      )
      assert.lengthOf(overlaps, 0, `${id}: the labels of overlapping faults do not cover one another`)
    }
    // The run does 10 ops/s, n1 about that; the final reads' bucket holds 150 reads, 50 per node.
    for (const id of ['chart-throughput', 'chart-node-load']) {
      const yMax = Number(await page.locator(`#${id}`).getAttribute('data-y-max'))
      assert.isAtLeast(yMax, FAULTY_RUN.rate, `${id}: the run's own rate fits`)
      assert.isBelow(yMax, FAULTY_RUN.rate * 2, `${id}: the final-read burst does not set the y max`)
    }
  })

  test('legends show each series summary before any hover, the hovered value on hover', async ({ assert, cleanup }) => {
    const { page, summary } = await openFaultyRun(cleanup)
    const legend = (id: string) => page.locator(`#${id} .u-legend .u-value`).allInnerTexts()
    for (const id of CHARTS) {
      const values = await legend(id)
      assert.isAbove(values.length, 1, id)
      for (const v of values) assert.notInclude(['--', ''], v.trim(), `${id} legend shows a summary, not a dash`)
    }
    const all = summary.availability.find((a) => a.phase === 'all')
    const [, okBefore] = await legend('chart-throughput')
    assert.include(okBefore, `${all?.ok} in all`)
    const run = summary.latency.find((l) => l.from === 'intended' && l.f === 'all' && l.outcome === 'all' && l.phase === 'all')
    assert.include((await legend('chart-latency-quantiles'))[3], `run ${run?.p99Ms} ms`)

    // Hovers a point a quarter of the way in (the locator scrolls the chart into view first).
    const over = page.locator('#chart-throughput .u-over')
    const box = await over.boundingBox()
    await over.hover({ position: { x: (box?.width ?? 400) / 4, y: 20 } })
    await page.waitForFunction(
      // biome-ignore lint/performance/useDomNodeTextContent: the page test types give elements innerText only
      () => !(globalThis as unknown as PageGlobals).document.getElementById('chart-throughput')?.innerText.includes(' in all'),
      undefined,
      { timeout: 5_000 },
    )
    const [x, okHovered] = await legend('chart-throughput')
    assert.match(x, /^\d+(\.\d+)?$/, 'the hovered second')
    assert.match(okHovered, /^[\d.]+\/s$/, 'the hovered value')
  })

  test('fault details in words, and the lww staleness note on the page', async ({ assert, cleanup }) => {
    const { page } = await openFaultyRun(cleanup)
    const faults = await page.locator('#faults table').first().textContent()
    assert.include(faults, 'partition (isolate): n1 | n2 n3, 4 links cut')
    assert.include(faults, 'latency 100 ms ± 20 ms on 6 links')
    assert.include(faults, 'drop p=0.2, achieved 0.19 (19 of 100 messages)')
    assert.notInclude(faults, '{', 'no raw JSON')
    const note = page.locator('#staleness-note')
    assert.isTrue(await note.isVisible())
    assert.include(await note.textContent(), 'under lww, 1 acknowledged write was dropped (no-lost-writes)')
    assert.include(await page.locator('[data-figure=stale]').textContent(), 'counts dropped writes')
  })
})
