/**
 * Timelines in headless Chromium: the report's consistency-model section draws a failing
 * window as SVG (one bar per op, one lane per process, the value on the bar as text, never
 * markup), and `report --key K` writes a key's timeline page, bounded for a hot key. Neither
 * page scrolls sideways at 1400 px, logs an error or asks the network for anything.
 */
import { test } from '@japa/runner'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Page } from 'playwright-core'
import { timelineFileName, writeKeyTimeline } from '../key-timeline.ts'
import { reportRun } from '../report-run.ts'
import { tempDir } from '../testing/analyse.ts'
import { launchChromium } from '../testing/browser.ts'
import { HistoryBuilder } from '../testing/history-builder.ts'

const HOSTILE = '<img src=x onerror=alert(1)>'

/** The browser globals the page functions below use (the project compiles without lib dom). */
type El = {
  getAttribute(name: string): string | null
  querySelectorAll(selector: string): ArrayLike<El>
  getBBox(): { width: number; height: number; x: number; y: number }
  textContent: string | null
}
type Browser = { document: { documentElement: { scrollWidth: number }; querySelectorAll(selector: string): ArrayLike<El> } }

/** A causal violation across keys whose values are HTML, under the causal mode (so it fails the run). */
function hostileViolation(): HistoryBuilder {
  const h = new HistoryBuilder({ consistency: 'causal' })
  h.put({ process: 0, key: 'x', value: HOSTILE, at: [0, 1] })
  h.get({ process: 1, key: 'x', values: [HOSTILE], at: [2, 3] })
  h.put({ process: 1, key: 'y', value: 'y1', at: [4, 5] })
  h.put({ process: 3, key: 'x', value: 'concurrent', type: 'info', at: [4, 20] })
  h.get({ process: 2, key: 'y', values: ['y1'], at: [6, 7] })
  h.get({ process: 2, key: 'x', values: [], at: [8, 9] })
  h.converged(true, 5, 30)
  h.get({ process: 5, key: 'x', values: [HOSTILE], phase: 'final', at: [50, 51] })
  return h.end()
}

type Watch = { errors: string[]; requests: string[]; dialogs: string[] }

async function open(page: Page, file: string): Promise<Watch> {
  const watch: Watch = { errors: [], requests: [], dialogs: [] }
  page.on('console', (m) => (m.type() === 'error' ? watch.errors.push(m.text()) : undefined))
  page.on('pageerror', (e) => watch.errors.push(e.message))
  page.on('request', (r) => watch.requests.push(r.url()))
  page.on('dialog', (d) => {
    watch.dialogs.push(d.message())
    void d.dismiss()
  })
  await page.goto(pathToFileURL(file).href)
  await page.waitForFunction(
    () => (globalThis as unknown as { document: { body: El } }).document.body.getAttribute('data-rendered') !== null,
  )
  return watch
}

/** Per timeline on the page (within `scope`, a CSS selector): lanes and ops it says it has, bars drawn with a width, lane labels, and all its text. */
function timelines(page: Page, scope = 'main') {
  return page.evaluate(
    (scope) =>
      Array.from((globalThis as unknown as Browser).document.querySelectorAll(`${scope} svg.timeline`), (svg) => ({
        lanes: Number(svg.getAttribute('data-lanes')),
        ops: Number(svg.getAttribute('data-ops')),
        bars: Array.from(svg.querySelectorAll('g.op rect')).filter((rect) => rect.getBBox().width > 0).length,
        laneLabels: Array.from(svg.querySelectorAll('text.lane'), (t) => t.textContent ?? ''),
        outlined: svg.querySelectorAll('g.op.focus').length,
        // Bars drawn over one another (ops of one process that overlap in time must not be).
        overlapping: Array.from(svg.querySelectorAll('g.op rect'), (rect) => rect.getBBox()).filter((a, i, boxes) =>
          boxes.some((b, j) => j !== i && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height),
        ).length,
        text: Array.from(svg.querySelectorAll('text, title'), (t) => t.textContent ?? '').join('\n'),
      })),
    scope,
  )
}

test.group('timelines in Chromium', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(60_000)

  test('the report draws the causal violation: a bar per op, a lane per process, values as text', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    await hostileViolation().writeRun(dir)
    const report = await reportRun(dir, { quiet: true, workers: 0 })
    assert.equal(report.exitCode, 1, 'causal is promised and violated')
    if (report.kind !== 'analysed') return
    const window = report.summary.models.find((m) => m.name === 'causal')?.windows[0]
    assert.exists(window)

    const browser = await launchChromium()
    cleanup(() => browser.close())
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    const file = join(dir, 'index.html')
    const watch = await open(page, file)
    assert.deepEqual(watch.errors, [])
    assert.deepEqual(watch.dialogs, [], 'the stored onerror never ran')
    assert.deepEqual(
      watch.requests.filter((u) => !u.startsWith('data:')),
      [pathToFileURL(file).href],
    )
    // The other models' windows come first on the page: the causal part is its own.
    const [causal] = await timelines(page, '#model-causal')
    const processes = new Set(window?.ops.map((op) => op.process))
    assert.equal(causal.ops, window?.ops.length)
    assert.equal(causal.bars, window?.ops.length, 'every op is a bar with a width')
    assert.equal(causal.lanes, processes.size)
    assert.deepEqual(
      causal.laneLabels,
      [...processes].sort((a, b) => a - b).map((p) => `process ${p}`),
    )
    assert.equal(causal.outlined, window?.focus?.length, 'the ops the explanation names are outlined')
    assert.include(causal.text, HOSTILE, 'the stored value is drawn as text')
    assert.include(causal.text, 'never completed (info)', 'the info write has no end')
    assert.include(await page.locator('#model-causal').textContent(), window?.explanation ?? '?')
    assert.equal(await page.locator('img').count(), 0, 'no <img> element was created')
    assert.isAtMost(
      await page.evaluate(() => (globalThis as unknown as Browser).document.documentElement.scrollWidth),
      1400,
      'no sideways scrolling',
    )
  })

  test('report --key draws a key whole, and a bounded window of a hot key, saying so', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const h = new HistoryBuilder()
    for (let i = 0; i < 700; i++) h.put({ process: i % 7, key: 'hot', value: `v${i}`, at: [i, i + 0.8] })
    h.put({ process: 0, key: HOSTILE, value: HOSTILE, at: [800, 801] })
    h.get({ process: 1, key: HOSTILE, values: [HOSTILE], at: [802, 803] })
    // The harness's final reads run concurrently under one process: they share its lane, on rows of their own.
    h.get({ process: 9, key: HOSTILE, values: [HOSTILE], phase: 'final', at: [810, 815] })
    h.get({ process: 9, key: HOSTILE, values: [HOSTILE], phase: 'final', at: [811, 814] })
    await h.end().writeRun(dir)
    const small = await writeKeyTimeline(dir, HOSTILE)
    const hot = await writeKeyTimeline(dir, 'hot', 500)
    assert.deepInclude(small, { kind: 'written', ops: 4, drawn: 4 })
    assert.deepInclude(hot, { kind: 'written', ops: 700, drawn: 500 })
    assert.notInclude(timelineFileName(HOSTILE), '<', 'a key that is no plain name gets a digest for a file name')
    assert.deepEqual(await writeKeyTimeline(dir, 'absent'), {
      kind: 'problem',
      reason: `no op of key "absent" in ${join(dir, 'history.jsonl')}`,
    })
    assert.notInclude(await readFile(join(dir, timelineFileName(HOSTILE)), 'utf8'), HOSTILE, 'the page source holds the value escaped')

    const browser = await launchChromium()
    cleanup(() => browser.close())
    for (const [key, ops, lanes] of [
      [HOSTILE, 4, 3],
      ['hot', 500, 7],
    ] as const) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
      const watch = await open(page, join(dir, timelineFileName(key)))
      assert.deepEqual(watch.errors, [], key)
      assert.deepEqual(watch.dialogs, [], key)
      const [drawn] = await timelines(page)
      assert.equal(drawn.bars, ops, `${key}: a bar per op drawn`)
      assert.equal(drawn.lanes, lanes, `${key}: a lane per process`)
      assert.equal(drawn.overlapping, 0, `${key}: no bar drawn over another`)
      assert.isAtMost(
        await page.evaluate(() => (globalThis as unknown as Browser).document.documentElement.scrollWidth),
        1400,
        `${key}: the page does not scroll sideways`,
      )
      if (key === HOSTILE) assert.include(drawn.text, HOSTILE)
      else assert.include(await page.locator('p.note').textContent(), '700 ops: drawing 500 of them')
    }
  })
})
