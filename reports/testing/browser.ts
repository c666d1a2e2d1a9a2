/**
 * Headless Chromium for tests of the HTML report: Debian's chromium through playwright-core.
 * Without a browser the tests fail with one sentence saying how to get one, not a launch
 * stack trace.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

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
