/**
 * `quorumlab check` as a user runs it (a real child process): a valid history, a stale
 * read with its failing window, a search out of budget, a history converted from another
 * tool with only the minimal fields, a run folder, and bad input with the usage status.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { ModelCheckResult } from '../../reports/models/index.ts'
import { EXIT } from '../../common/contracts/exit-codes.ts'
import { QUORUMLAB_BIN } from '../stores/quorumlab/node-process.ts'

const check = (...args: string[]) => spawnSync(process.execPath, [QUORUMLAB_BIN, 'check', ...args], { encoding: 'utf8', timeout: 60_000 })

/** Lines of JSON; times in ms (written in µs). */
const lines = (...ops: [process: number, f: string, value: unknown, at: [number, number], type?: string][]): string =>
  `${ops
    .map(([process, f, value, [invoke, complete], type], index) =>
      JSON.stringify({ index, process, type: type ?? 'ok', f, key: 'x', value, invoke: invoke * 1000, complete: complete * 1000 }),
    )
    .join('\n')}\n`

const STALE = lines([0, 'put', 'a', [0, 10]], [0, 'put', 'b', [20, 30]], [1, 'get', ['a'], [40, 50]])

test.group('check command', (group) => {
  group.tap((t) => t.tags(['integration']))
  let dir = ''
  group.each.setup(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quorumlab-check-'))
    return () => rm(dir, { recursive: true, force: true })
  })

  test('a stale read: invalid for linearizability with its window, valid for sequential consistency', async ({ assert }) => {
    const file = join(dir, 'history.jsonl')
    await writeFile(file, STALE)
    const lin = check(file, '--model', 'linearizable')
    assert.equal(lin.status, 1, lin.stderr)
    assert.include(lin.stdout, `${file}: 3 ops on 1 key\n`)
    assert.include(lin.stdout, 'linearizable: INVALID (1 key: 0 valid, 1 invalid, 0 unknown)')
    assert.include(lin.stdout, 'key "x": read 2 (process 1) of "a" (written by write 0 (process 0) of "a") is stale')
    assert.include(lin.stdout, 'failing window, key "x" (3 ops; * = in the longest linearizable prefix):')
    const rows = lin.stdout.trimEnd().split('\n').slice(-3)
    assert.match(rows[0], /^\* +0\.000–10\.000 +\|=+\| +0 {2}ok {7}put "a" \(0\)$/)
    assert.match(rows[1], /^\* +20\.000–30\.000 +\|=+\| +0 {2}ok {7}put "b" \(1\)$/)
    assert.match(rows[2], /^ +40\.000–50\.000 +\|=+\| +1 {2}ok {7}get → \["a"\] \(2\)$/)
    const seq = check(dir, '--model', 'sequential')
    assert.equal(seq.status, 0, seq.stderr)
    assert.include(seq.stdout, 'sequential: VALID (1 key: 1 valid, 0 invalid, 0 unknown)')
    const json = check(file, '--model', 'linearizable', '--json')
    assert.equal(json.status, 1)
    const result = JSON.parse(json.stdout) as ModelCheckResult
    assert.deepInclude(result, { name: 'linearizable', valid: false, checked: 1, violations: 1 })
    assert.deepEqual(result.windows[0].linearized, [0, 1])
  })

  test('causal: the stale read is causally consistent; a read going back to a value its session saw overwritten is not', async ({
    assert,
  }) => {
    const file = join(dir, 'history.jsonl')
    await writeFile(file, STALE)
    const valid = check(file, '--model', 'causal')
    assert.equal(valid.status, 0, valid.stdout + valid.stderr)
    assert.include(valid.stdout, 'causal: VALID (1 read judged, 0 violations)')
    // Process 1 reads "b", then "a": "a" was overwritten by "b" in the read's causal past.
    await writeFile(
      file,
      lines([0, 'put', 'a', [0, 10]], [0, 'put', 'b', [20, 30]], [1, 'get', ['b'], [40, 50]], [1, 'get', ['a'], [60, 70]]),
    )
    const invalid = check(file, '--model', 'causal')
    assert.equal(invalid.status, 1, invalid.stdout + invalid.stderr)
    assert.include(invalid.stdout, 'causal: INVALID (2 reads judged, 1 violation)')
    assert.include(invalid.stdout, 'failing window, key "x"')
  })

  test('a converted history with only the minimal fields; malformed lines are counted and skipped', async ({ assert }) => {
    const file = join(dir, 'converted.jsonl')
    await writeFile(
      file,
      [
        '{"process": 0, "type": "ok", "f": "put", "key": "r", "value": 1, "invoke": 0, "complete": 5}',
        '{"process": 1, "type": "info", "f": "cas", "key": "r", "value": [1, 2], "invoke": 6, "complete": null}',
        '{"process": 2, "type": "ok", "f": "get", "key": "r", "value": [2], "invoke": 20, "complete": 25}',
        '{"process": "nemesis", "type": "info", "f": "start"}',
        'not json',
        '{"process": 3, "type": "ok", "f": "read", "key": "r", "value": [2], "invoke": 30, "complete": 35}',
        '',
      ].join('\n'),
    )
    const result = check(file, '--model', 'linearizable')
    assert.equal(result.status, 0, result.stdout + result.stderr)
    assert.include(result.stdout, `${file}: 3 ops on 1 key\n2 malformed lines skipped (first: line 5: not JSON`)
    assert.include(result.stdout, 'linearizable: VALID')
    // The same read before the cas could have swapped is a violation, named by its line.
    await writeFile(
      file,
      [
        '{"process": 0, "type": "ok", "f": "put", "key": "r", "value": 1, "invoke": 0, "complete": 5}',
        '{"process": 2, "type": "ok", "f": "get", "key": "r", "value": [2], "invoke": 1, "complete": 3}',
        '{"process": 1, "type": "info", "f": "cas", "key": "r", "value": [1, 2], "invoke": 6}',
      ].join('\n'),
    )
    const early = check(file, '--model', 'linearizable')
    assert.equal(early.status, 1, early.stdout + early.stderr)
    assert.include(
      early.stdout,
      'key "r": read 1 (process 2) of 2 completed at 0.003 ms, before info cas 2 (process 1) 1 → 2 was invoked at 0.006 ms',
    )
  })

  test('a search out of budget is unknown (exit 2), with the reason', async ({ assert }) => {
    const ops: [number, string, unknown, [number, number]][] = []
    for (let p = 0; p < 20; p++) ops.push([p, 'put', `v${p}`, [0, 100]])
    ops.push([20, 'delete', null, [0, 100]], [21, 'get', ['v0'], [200, 210]], [21, 'get', ['v1'], [220, 230]])
    const file = join(dir, 'history.jsonl')
    await writeFile(file, lines(...ops))
    const result = check(file, '--model', 'linearizable', '--budget-steps', '20000')
    assert.equal(result.status, 2, result.stderr)
    assert.include(
      result.stdout,
      'linearizable: UNKNOWN (1 key: 0 valid, 0 invalid, 1 unknown)\n  the search of key "x" did not finish: the search budget of 20,000 steps ran out',
    )
  })

  test('bad input: an unknown model, a model not in this build, a missing file, a key with no ops, a bad budget', async ({ assert }) => {
    const file = join(dir, 'history.jsonl')
    await writeFile(file, STALE)
    const cases: [string[], string][] = [
      [[file, '--model', 'strict'], "argument 'strict' is invalid. expected one of linearizable, sequential, causal"],
      [[join(dir, 'missing.jsonl'), '--model', 'linearizable'], `error: ${join(dir, 'missing.jsonl')}: no such file or folder`],
      [[file, '--model', 'linearizable', '--key', 'y'], `error: ${file} has no ops of key "y"`],
      [[file, '--model', 'linearizable', '--budget', '0'], "option '--budget <ms>' argument '0' is invalid. expected an integer from 1"],
      [[file], "required option '--model <name>' not specified"],
    ]
    cases.push([[file, '--model', 'causal', '--key', 'x'], 'error: --key does not apply to --model causal'])
    for (const [args, message] of cases) {
      const result = check(...args)
      assert.equal(result.status, EXIT.usage, args.join(' '))
      assert.include(result.stderr, message, args.join(' '))
      assert.equal(result.stdout, '', args.join(' '))
    }
  }).timeout(60_000)
})
