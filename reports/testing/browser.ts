/**
/**
 * Headless Chromium for tests of the HTML pages (the run report, the matrix): Debian's
 * chromium through playwright-core, and what the tests read of a page. Without a browser
 * the tests fail with one sentence saying how to get one, not a launch stack trace.
 */
import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** What `npm test` needs, as the README says it. */
export const CHROMIUM_NEEDED =
  'npm test needs Chromium: apt-get install chromium on Debian/Ubuntu, or set CHROMIUM_PATH to a Chromium or Chrome binary elsewhere'

/** Flags for a quiet, offline-friendly headless browser in containers and CI. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Launches the browser at `path`; without one there, rejects with {@link CHROMIUM_NEEDED}. */
export async function launchChromium(path = CHROMIUM_PATH): Promise<Browser> {
  if (!existsSync(path)) throw new Error(`${CHROMIUM_NEEDED} (no browser at ${path})`)
  try {
    return await chromium.launch({ executablePath: path, args: CHROMIUM_ARGS })
  } catch (error) {
    const first = (error as Error).message.split('\n')[0]
    throw new Error(`${CHROMIUM_NEEDED} (${path} did not start: ${first})`)
  }
}

/** The few browser globals page tests use (the project compiles without lib dom). */
type Canvas = {
  width: number
  height: number
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null
}
type Element = { getAttribute(name: string): string | null; querySelectorAll(selector: string): ArrayLike<Canvas>; innerText: string }
export type PageGlobals = {
  document: { body: Element; getElementById(id: string): Element | null; querySelectorAll(selector: string): ArrayLike<unknown> }
}

export type PageWatch = { errors: string[]; requests: string[]; dialogs: string[] }

/**
 * Opens a page file and waits until its script has rendered (`data-rendered` on the body),
 * recording console errors, page errors, requests and dialogs.
 */
export async function openPage(page: Page, file: string): Promise<PageWatch> {
  const watch: PageWatch = { errors: [], requests: [], dialogs: [] }
  page.on('console', (message) => {
    if (message.type() === 'error') watch.errors.push(message.text())
  })
  page.on('pageerror', (error) => watch.errors.push(error.message))
  page.on('request', (request) => watch.requests.push(request.url()))
  page.on('dialog', (dialog) => {
    watch.dialogs.push(dialog.message())
    void dialog.dismiss()
  })
  await page.goto(pathToFileURL(file).href)
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.getAttribute('data-rendered') !== null, undefined, {
    timeout: 15_000,
  })
  return watch
}

/** Per chart (by holder id): canvases found, whether any canvas has a painted (non-transparent) pixel, and its `data-points`. */
export function chartPaint(page: Page, ids: string[]): Promise<Record<string, { canvases: number; painted: boolean; points: number }>> {
  return page.evaluate((ids) => {
    const out: Record<string, { canvases: number; painted: boolean; points: number }> = {}
    const document = (globalThis as unknown as PageGlobals).document
    for (const id of ids) {
      const holder = document.getElementById(id)
      const canvases = holder ? Array.from(holder.querySelectorAll('canvas')) : []
      const painted = canvases.some((canvas) => {
        const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data
        if (!pixels) return false
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true
        return false
      })
      out[id] = { canvases: canvases.length, painted, points: Number(holder?.getAttribute('data-points') ?? -1) }
    }
    return out
  }, ids)
}
