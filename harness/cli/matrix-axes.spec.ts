/**
 * Matrix axes read against `quorumlab workload`'s own flags: good axes of every kind of
 * flag (integer, number, choice, switch, negated switch, free text), bad ones refused with
 * a message naming the flag and the value, cells' flags, settings, and the presets.
 */
import { test } from '@japa/runner'
import { UsageError } from './command.ts'
import { cellFlags, choicesOf, fixedSettingsOf, parseAxis, settingsOf, workloadFlagTable } from './matrix-axes.ts'
import { presetPlan } from './matrix-presets.ts'

const table = workloadFlagTable()

/** The message of the UsageError `run` throws (the test fails if it throws none, or another error). */
function usageError(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (error instanceof UsageError) return error.message
    throw error
  }
  throw new Error('expected a UsageError')
}

test.group('matrix axes', () => {
  test('every workload flag is an axis name, the negated ones by their positive name', ({ assert }) => {
    for (const name of ['workload', 'nemesis', 'n', 'r', 'w', 'strict', 'versioning', 'routing', 'rate', 'concurrency', 'partition']) {
      assert.isTrue(table.has(name), name)
    }
    assert.isTrue(table.has('read-repair'), '--no-read-repair is the read-repair axis')
    assert.equal(table.get('read-repair')?.attribute, 'readRepair')
    assert.deepEqual(choicesOf(table.get('versioning')!), ['dvv', 'vv', 'lww'])
    assert.deepEqual(choicesOf(table.get('write-style')!), ['read-modify-write', 'blind'])
    assert.isUndefined(choicesOf(table.get('r')!))
  })

  test('good axes are read with the flag parser: {spec}')
    .with([
      { spec: 'r=1,2,3', flag: '--r', parsed: [1, 2, 3] },
      { spec: 'read-fraction=0.1, 0.9', flag: '--read-fraction', parsed: [0.1, 0.9] },
      { spec: 'versioning=dvv,lww', flag: '--versioning', parsed: ['dvv', 'lww'] },
      { spec: 'strict=on,off', flag: '--strict', parsed: [true, false] },
      { spec: 'read-repair=yes,no', flag: '--read-repair', parsed: [true, false] },
      { spec: 'nemesis=none,partition,latency+crash', flag: '--nemesis', parsed: ['none', 'partition', 'latency+crash'] },
      { spec: 'nemesis-schedule=rotate,together', flag: '--nemesis-schedule', parsed: ['rotate', 'together'] },
      { spec: '--workload=distributed,clustered', flag: '--workload', parsed: ['distributed', 'clustered'] },
    ])
    .run(({ assert }, { spec, flag, parsed }) => {
      const axis = parseAxis(spec, table)
      assert.equal(axis.flag, flag)
      assert.deepEqual(axis.parsed, parsed)
      assert.deepEqual(
        axis.values,
        spec
          .split('=')[1]
          .split(',')
          .map((v) => v.trim()),
      )
    })

  test('bad axes are refused, naming the flag and the value: {spec}')
    .with([
      { spec: 'r=x', message: /--vary r: "x" is not a value of --r: expected an integer, got "x"/ },
      { spec: 'r=0,1', message: /--vary r: "0" is not a value of --r: expected an integer from 1 to 64/ },
      { spec: 'read-fraction=1.5', message: /--vary read-fraction: "1.5" .*--read-fraction.*from 0 to 1/ },
      { spec: 'versioning=dvv,crdt', message: /--vary versioning: "crdt" .*--versioning: expected one of dvv, vv, lww/ },
      { spec: 'strict=maybe', message: /--vary strict: --strict is a switch; expected on or off, got "maybe"/ },
      { spec: 'bogus=1,2', message: /--vary bogus: quorumlab workload has no flag --bogus; axes are .*\br\b.*versioning/ },
      { spec: 'no-read-repair=on', message: /no flag --no-read-repair; vary read-repair=on,off instead/ },
      { spec: 'seed=1,2', message: /--vary seed: .*--repeat N/ },
      { spec: 'out=a,b', message: /--vary out: where the results go is not an axis/ },
      { spec: 'r', message: /--vary "r": expected FLAG=v1,v2/ },
      { spec: '=1,2', message: /expected FLAG=v1,v2/ },
      { spec: 'r=1,,2', message: /--vary r: an empty value/ },
      { spec: 'r=2,2', message: /--vary r: "2" is given twice/ },
    ])
    .run(({ assert }, { spec, message }) => {
      assert.match(
        usageError(() => parseAxis(spec, table)),
        message,
      )
    })

  test("a cell's flags are the base flags with the cell's parsed values; settings list the axes first", ({ assert }) => {
    const axes = [parseAxis('w=1,2', table), parseAxis('strict=on,off', table), parseAxis('read-repair=on,off', table)]
    const base = { r: 2, w: 2, strict: false, readRepair: true, time: 30 }
    const flags = cellFlags(base, axes, { w: '1', strict: 'on', 'read-repair': 'off' })
    assert.deepEqual(flags, { r: 2, w: 1, strict: true, readRepair: false, time: 30 })
    assert.deepEqual(base, { r: 2, w: 2, strict: false, readRepair: true, time: 30 }, 'the base is not changed')
    const settings = settingsOf(flags, axes, table)
    assert.deepEqual(settings.slice(0, 3), [
      { flag: '--w', value: '1' },
      { flag: '--strict', value: 'on' },
      { flag: '--read-repair', value: 'off' },
    ])
    assert.deepInclude(settings, { flag: '--time', value: '30' })
    assert.notInclude(
      settings.map((s) => s.flag),
      '--seed',
    )
    const fixed = fixedSettingsOf(flags, axes, table, (attribute) => attribute === 'time')
    assert.deepInclude(fixed, { flag: '--time', value: '30', explicit: true })
    assert.deepInclude(fixed, { flag: '--r', value: '2', explicit: false })
    assert.notInclude(
      fixed.map((s) => s.flag),
      '--w',
    )
  })

  test('presets: quorums over 1..N, versioning, and consistency refused until --consistency exists', ({ assert }) => {
    assert.deepEqual(presetPlan('quorums', { n: 2, table }).vary, ['r=1,2', 'w=1,2', 'nemesis=partition,crash'])
    const versioning = presetPlan('versioning', { n: 3, table })
    assert.deepEqual(versioning.vary, ['versioning=dvv,vv,lww', 'write-style=read-modify-write,blind'])
    assert.deepEqual(versioning.defaults, { workload: 'clustered', nemesis: 'partition' })
    for (const spec of versioning.vary) assert.doesNotThrow(() => parseAxis(spec, table))
    if (table.has('consistency')) {
      assert.match(presetPlan('consistency', { n: 3, table }).vary[0], /^consistency=.*linearizable/)
    } else {
      assert.match(
        usageError(() => presetPlan('consistency', { n: 3, table })),
        /--preset consistency varies --consistency, which this build's quorumlab workload does not have yet/,
      )
    }
    const withConsistency = new Map(table)
    withConsistency.set('consistency', { ...table.get('versioning')!, name: 'consistency' })
    assert.match(
      presetPlan('consistency', { n: 3, table: withConsistency }).vary[0],
      /^consistency=dvv,vv,lww$/,
      'the flag lists its own choices',
    )
  })
})
