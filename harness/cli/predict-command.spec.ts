/**
 * `quorumlab predict` as a user runs it (a real child process): the table, `--json`, an
 * empirical sample from a file, R + W > N, and every kind of bad input with its message
 * and the usage exit status.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { Prediction } from '../../reports/pbs/index.ts'
import { QUORUMLAB_BIN } from '../stores/quorumlab/node-process.ts'
import { EXIT } from '../../common/contracts/exit-codes.ts'

const MIX = 'pareto(1.5,3)*0.95+exp(0.02)*0.05'
const LEGS = ['--write', MIX, '--ack', MIX, '--read', MIX, '--response', MIX]
const predict = (...args: string[]) =>
  spawnSync(process.execPath, [QUORUMLAB_BIN, 'predict', ...args], { encoding: 'utf8', timeout: 60_000 })

test.group('predict command', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('prints P(consistent) at each t and k with intervals, and the t for 99% and 99.9%', ({ assert }) => {
    const result = predict('--n', '3', '--r', '1', '--w', '1', ...LEGS, '--t', '0,10', '--k', '1,2', '--trials', '20000', '--seed', '1')
    assert.equal(result.status, 0, result.stderr)
    const out = result.stdout
    assert.include(out, 'N=3 R=1 W=1, 20000 trials, seed 1')
    assert.include(out, `write     ${MIX}  (mean 4.64 ms)`)
    const row = (t: number) => new RegExp(`^\\s+${t}  (0\\.\\d{5})  \\[(0\\.\\d{5}), (0\\.\\d{5})\\]$`, 'm').exec(out)
    const [at0, at10] = [row(0), row(10)]
    assert.exists(at0, out)
    assert.exists(at10, out)
    for (const m of [at0!, at10!]) assert.isTrue(Number(m[2]) <= Number(m[1]) && Number(m[1]) <= Number(m[3]), m[0])
    assert.isAbove(Number(at10![1]), Number(at0![1]))
    assert.match(out, /^99% of reads are consistent from t = [\d.]+ ms {2}\[[\d.]+, [\d.]+\]$/m)
    assert.match(out, /^99\.9% of reads are consistent from t = [\d.]+ ms/m)
    // k rows: the closed form 1 - (2/3)^k beside its Monte Carlo and the expanding figure.
    assert.match(out, /^\s+1 {2}0\.33333 {6}0\.3\d{4} {2}\[0\.3\d{4}, 0\.3\d{4}\] {3}0\.9\d{4}/m)
    assert.match(out, /^\s+2 {2}0\.55556 {6}0\.5\d{4}/m)
  })

  test('--json: the prediction as data, the same for the same seed', ({ assert }) => {
    const args = ['--n', '3', '--r', '1', '--w', '1', ...LEGS, '--t', '0,5', '--k', '1,2,3', '--trials', '20000', '--seed', '5', '--json']
    const first = predict(...args)
    assert.equal(first.status, 0, first.stderr)
    const p = JSON.parse(first.stdout) as Prediction
    assert.deepInclude(p, { n: 3, r: 1, w: 1, trials: 20000, seed: 5, quorumsIntersect: false, interval: 'Wilson score, 95%' })
    assert.deepEqual(
      p.visibility.map((v) => v.tMs),
      [0, 5],
    )
    assert.lengthOf(p.visibleAfter, 2)
    for (const row of p.kStaleness) {
      assert.closeTo(row.closedForm, 1 - (2 / 3) ** row.k, 1e-12)
      const mc = row.nonExpanding
      if (mc.kind !== 'sampled') return assert.fail('sampled expected')
      // Within 4 standard errors (the 95% agreement itself is tested in reports/pbs/wars.spec.ts).
      assert.closeTo(mc.p, row.closedForm, 4 * Math.sqrt((row.closedForm * (1 - row.closedForm)) / 20000), `k=${row.k}`)
      assert.isBelow(mc.high - mc.low, 0.015)
    }
    assert.equal(predict(...args).stdout, first.stdout)
  })

  test('R + W > N: exactly 1 at every t and k, said so, not sampled', ({ assert }) => {
    const result = predict('--n', '3', '--r', '2', '--w', '2', ...LEGS, '--t', '0,1', '--k', '1', '--seed', '1')
    assert.equal(result.status, 0, result.stderr)
    assert.include(result.stdout, 'R + W > N: every read quorum overlaps the write quorum, so every figure is exactly 1 (not sampled).')
    assert.match(result.stdout, /^\s+0 {2}1 \(exact\)$/m)
    assert.include(result.stdout, '99.9% of reads are consistent from t = 0 ms (exact)')
  })

  test('empirical(FILE) reads measured latencies from a file', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-predict-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'write.csv')
    await writeFile(file, 'write_ms\n10\n10\n10\n10\n')
    const result = predict(
      ...['--write', `empirical(${file})`, '--ack', 'const(0)', '--read', 'const(0)', '--response', 'const(0)'],
      '--json',
    )
    assert.equal(result.status, 0, result.stderr)
    const p = JSON.parse(result.stdout) as Prediction
    assert.equal(p.latencies.write, `empirical(${file}) [4 samples]`)
    // Every replica takes exactly 10 ms: the write is everywhere when it commits.
    assert.deepEqual(
      p.visibility.map((v) => v.probability.p),
      p.visibility.map(() => 1),
    )
  })

  test('bad input exits with the usage status and a message naming the problem', ({ assert }) => {
    const legs = (write: string) => ['--write', write, '--ack', 'const(1)', '--read', 'const(1)', '--response', 'const(1)']
    const cases: [string[], RegExp][] = [
      [legs('pareto(x,3)'), /--write <distribution>.*expected a number after "pareto\(", got "x" at column 8\n {2}pareto\(x,3\)\n {9}\^/],
      [legs('gamma(1)'), /unknown distribution "gamma"/],
      [legs('exp(1)*0.5+const(2)*0.4'), /mixture weights must sum to 1, they sum to 0.9 at column 1/],
      [legs('empirical(/nonexistent/x.csv)'), /cannot read samples from \/nonexistent\/x.csv: no such file/],
      [['--r', '4', ...legs('const(1)')], /--r 4 must be from 1 to --n 3/],
      [['--n', '2', '--w', '3', ...legs('const(1)')], /--w 3 must be from 1 to --n 2/],
      [['--t', '0,-5', ...legs('const(1)')], /--t <list>.*expected a number from 0 .* got -5/],
      [['--t', '1,abc', ...legs('const(1)')], /--t <list>.*expected a number, got "abc"/],
      [['--k', '0', ...legs('const(1)')], /--k <list>.*expected an integer from 1 to 100, got 0/],
      [['--trials', '5', ...legs('const(1)')], /--trials <count>.*from 100 to 10000000, got 5/],
      [['--write', 'const(1)', '--ack', 'const(1)', '--read', 'const(1)'], /required option '--response <distribution>' not specified/],
    ]
    for (const [args, message] of cases) {
      const result = predict(...args)
      assert.equal(result.status, EXIT.usage, `${args.join(' ')}\n${result.stderr}`)
      assert.match(result.stderr, message, args.join(' '))
      assert.equal(result.stdout, '', args.join(' '))
    }
  })
})
