/**
 * The progress line: the fields in order of use, cut to the width, and on a real terminal
 * (tmux) a run whose bar is cleared before every log line and when it stops, so the
 * Ctrl-C notice and the report are never drawn over and no frame is left behind.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { eventually } from '../cluster/testing.ts'
import { QUORUMLAB_BIN } from '../stores/quorumlab/index.ts'
import { progressLine, type ProgressFields } from './progress.ts'

const FIELDS: ProgressFields = {
  stage: 'run',
  elapsedS: 12.7,
  totalS: 30,
  ok: 1234,
  fail: 5,
  info: 6,
  nemesis: 'partition isolate',
  rate: 198,
}

test.group('progress line', () => {
  test('shows every field, most useful first, when there is room', ({ assert }) => {
    assert.equal(
      progressLine(FIELDS, 0.5, 200),
      'run 12/30 s | nemesis: partition isolate | ok 1234 fail 5 info 6 | 198 ops/s | ██████████░░░░░░░░░░',
    )
  })

  test('drops the least useful fields to fit the width, and never exceeds it', ({ assert }) => {
    assert.equal(progressLine(FIELDS, 0.5, 60), 'run 12/30 s | nemesis: partition isolate')
    assert.equal(progressLine(FIELDS, 0.5, 70), 'run 12/30 s | nemesis: partition isolate | ok 1234 fail 5 info 6')
    for (let width = 1; width < 120; width++) assert.isAtMost(progressLine(FIELDS, 0.5, width).length, width)
  })
})

const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' })
const hasTmux = tmux('-V').status === 0

test.group('progress line in a terminal', (group) => {
  group.tap((t) => t.tags(['integration']).timeout(150_000))

  test('Ctrl-C: the bar is cleared, the notice and the report are whole, no frame stays on screen', async ({ assert, cleanup }) => {
    const out = await mkdtemp(join(tmpdir(), 'quorumlab-tty-'))
    const session = `quorumlab-progress-${process.pid}`
    const width = 64
    const command = `${process.execPath} ${QUORUMLAB_BIN} workload --time 60 --warmup 1 --rate 50 --concurrency 4 --out ${out}; echo $? > ${out}/code; sleep 600`
    assert.equal(tmux('new-session', '-d', '-s', session, '-x', String(width), '-y', '200', command).status, 0)
    cleanup(async () => {
      tmux('kill-session', '-t', session)
      await rm(out, { recursive: true, force: true })
    })
    const screen = (): string => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session).stdout
    const bar = /^(warmup|run|converging) \d+\/\d+ s( \|.*)?$/
    const shown = await eventually(
      'the bar of the measured run',
      () =>
        screen()
          .split('\n')
          .find((line) => /^run \d+\/60 s \| nemesis: /.test(line)),
      {
        timeoutMs: 60_000,
      },
    )
    assert.isAtMost(shown.length, width - 1, 'the bar fits the width')
    tmux('send-keys', '-t', session, 'C-c')
    await eventually('the run to exit', () => existsSync(join(out, 'code')), { timeoutMs: 60_000 })
    assert.equal(readFileSync(join(out, 'code'), 'utf8').trim(), '2')
    const lines = screen().split('\n')
    assert.isTrue(
      lines.some((line) =>
        /^(\^C)?interrupted \(SIGINT\): healing the cluster, stopping every process, writing the report \(Ctrl-C again to force\)$/.test(
          line,
        ),
      ),
      lines.join('\n'),
    )
    assert.isTrue(
      lines.some((line) => line.startsWith('quorumlab report: ')),
      'the report starts a line of its own',
    )
    assert.deepEqual(
      lines.filter((line) => bar.test(line)),
      [],
      'no frame of the bar stays on screen',
    )
    for (const line of lines)
      assert.notMatch(line, /ops\/s.*\S(interrupted|run |cluster up|replicas|quorumlab report)/, 'a log line written into the bar')
  }).skip(!hasTmux, 'needs tmux (apt-get install tmux)')
})
