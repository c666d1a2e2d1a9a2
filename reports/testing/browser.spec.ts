/** Without Chromium the browser tests fail with the sentence the README gives, not a launch stack trace. */
import { writeFile, mkdtemp, rm, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { CHROMIUM_NEEDED, launchChromium } from './browser.ts'

test.group('browser for the tests', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('a missing browser is named with how to install one', async ({ assert }) => {
    await assert.rejects(() => launchChromium('/no/such/chromium'), `${CHROMIUM_NEEDED} (no browser at /no/such/chromium)`)
  })

  test('a binary that is no browser says the same, with its first line of trouble', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-browser-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    const fake = join(dir, 'chromium')
    await writeFile(fake, '#!/bin/sh\nexit 3\n')
    await chmod(fake, 0o755)
    try {
      await launchChromium(fake)
      assert.fail('launched')
    } catch (error) {
      const message = (error as Error).message
      assert.isTrue(message.startsWith(`${CHROMIUM_NEEDED} (${fake} did not start: `), message)
      assert.notInclude(message, '\n')
    }
  })
})
