/**
 * Test entry point: runs every Japa spec (`**\/*.spec.ts` beside the code) and ends the
 * output with one `N passed, N failed` line. Filter with Japa's flags, e.g.
 * `node --import tsx bin/test.ts --files store/versioning`.
 *
 * Tests that start processes, a browser, a filesystem or a timed network run carry the
 * `integration` tag (`group.tap((t) => t.tags(['integration']))`); `--tags unit` runs every
 * other test, in seconds.
 */
import { assert } from '@japa/assert'
import { configure, processCLIArgs, run } from '@japa/runner'
import { spec } from '@japa/runner/reporters'
import type { NamedReporterContract } from '@japa/runner/types'

let tallyLine = '0 passed, 0 failed'
const tally: NamedReporterContract = {
  name: 'tally',
  handler: (runner, emitter) => {
    emitter.on('runner:end', () => {
      const { aggregates } = runner.getSummary()
      tallyLine = `${aggregates.passed} passed, ${aggregates.failed} failed`
    })
  },
}
// Printed last, after the spec reporter's summary, so CI can read the final line.
process.on('exit', () => process.stdout.write(`\n${tallyLine}\n`))

/** `--tags unit` (or `--tags=unit`) is shorthand for Japa's `--tags ~integration`. */
const args = process.argv.splice(2).map((arg, i, all) => {
  if (arg === '--tags=unit') return '--tags=~integration'
  return arg === 'unit' && all[i - 1] === '--tags' ? '~integration' : arg
})
processCLIArgs(args)
configure({
  files: ['common/**/*.spec.ts', 'store/**/*.spec.ts', 'harness/**/*.spec.ts', 'workloads/**/*.spec.ts', 'reports/**/*.spec.ts'],
  plugins: [assert()],
  reporters: { activated: ['spec', 'tally'], list: [spec(), tally] },
  timeout: 30_000,
})
void run()
