/**
 * The http adapter on real processes: the fixture kvs store through its description finds
 * the planted lost-update bug and passes the correct store; the reference store through
 * its description answers exactly as through its own adapter; the same fixture through the
 * example adapter module; a node that cannot start is reported with its log.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import type { OpRecord } from '../../../common/contracts/history.ts'
import { analyseHistory } from '../../../reports/analysis.ts'
import { DEFAULT_STORE_SETTINGS } from '../../../store/config.ts'
import { PRESETS } from '../../../workloads/workload.ts'
import { loadAdapterModule } from '../../cli/adapter-module.ts'
import { runWorkload } from '../../run/run.ts'
import type { RunOptions } from '../../run/run-options.ts'
import { nemesisEventsOf, opsOf, readHistory, shortRunOptions } from '../../run/testing.ts'
import { leftoversOf, netnsSkipReason } from '../../network/netns/testing.ts'
import { quorumlabAdapter } from '../quorumlab/index.ts'
import { httpAdapter, readDescription } from './index.ts'

const EXAMPLES = fileURLToPath(new URL('./examples/', import.meta.url))
const MODULE = fileURLToPath(new URL('./examples/kvs-adapter.ts', import.meta.url))

type Cleanup = (handler: () => Promise<void> | void) => void

/** The kvs store through its description, or with its planted bug switched on (`kvs-lost-update.json`). */
async function kvsStore(lostUpdate: boolean) {
  const file = lostUpdate ? 'kvs-lost-update.json' : 'kvs.json'
  return httpAdapter(await readDescription(join(EXAMPLES, file)), `examples/${file}`)
}

/** A set workload on a few hot keys: concurrent read-modify-writes of one key are common. */
const setRun = (cleanup: Cleanup, overrides: Partial<RunOptions>) =>
  shortRunOptions(cleanup, {
    workload: { ...PRESETS.distributed, kind: 'set', keys: 4 },
    rate: 150,
    concurrency: 6,
    timeS: 8,
    ...overrides,
  })

const checkOf = async (history: string, name: string) => {
  const analysis = await analyseHistory(history, { workers: 0 })
  return { analysis, check: analysis.verdict.checks.find((c) => c.name === name)! }
}

test.group('http adapter (real processes)', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(180_000)

  test('the fixture store loses no acknowledged add under partitions and crashes (exit 0)', async ({ assert, cleanup }) => {
    const options = await setRun(cleanup, { store: await kvsStore(false), nemeses: ['partition', 'crash'], nemesisSchedule: 'together' })
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)
    const history = readHistory(result.history)
    assert.isAtLeast(nemesisEventsOf(history).filter((e) => e.f === 'start').length, 2)
    assert.isAbove(
      opsOf(history).filter((op) => op.f === 'get' && op.type === 'ok' && (op.value as unknown[]).length > 1).length,
      0,
      'concurrent writes came back as siblings',
    )
    const { analysis, check } = await checkOf(result.history, 'no-lost-writes')
    assert.include(check, { valid: true, promised: true, status: 'ok' })
    assert.isAbove(check.checked, 100)
    assert.equal(analysis.verdict.exitCode, 0, analysis.verdict.reason)
    assert.deepInclude(analysis.run!.store!, { name: 'http', versionMetadata: false, promises: ['no-lost-writes'] })
  })

  test('with its lost-update bug the same run loses acknowledged adds: no-lost-writes violated (exit 1)', async ({ assert, cleanup }) => {
    const options = await setRun(cleanup, { store: await kvsStore(true), nemeses: [] })
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)
    const { analysis, check } = await checkOf(result.history, 'no-lost-writes')
    assert.include(check, { valid: false, promised: true, status: 'violated' })
    assert.isAbove(check.violations, 0)
    assert.match(check.examples[0].summary, /was acknowledged, but no final read contains it/)
    assert.equal(analysis.verdict.exitCode, 1)
  })

  test('the reference store through its description answers op for op as through its own adapter', async ({ assert, cleanup }) => {
    // One client, no faults: the ops and what they see depend on the seed alone.
    const same = { concurrency: 1, rate: 40, timeS: 3, seed: 11, workload: { ...PRESETS.distributed, keys: 10 } }
    const described = await runWorkload(
      await shortRunOptions(cleanup, {
        ...same,
        store: httpAdapter(await readDescription(join(EXAMPLES, 'quorumlab.json')), 'examples/quorumlab.json'),
      }),
    )
    const builtIn = await runWorkload(
      await shortRunOptions(cleanup, { ...same, store: quorumlabAdapter({ settings: DEFAULT_STORE_SETTINGS }) }),
    )
    assert.isTrue(described.completed && builtIn.completed, described.error ?? builtIn.error)
    // The final reads run 16 at a time: their order is the only thing timing decides.
    const outcomes = (file: string) => {
      // The built-in adapter also reads each home replica's own copy at the end, which an http store cannot.
      const ops = opsOf(readHistory(file)).filter((op: OpRecord) => !op.replica)
      const rows = ops.map((op: OpRecord) => [op.phase, op.f, op.key, op.node, op.type, op.value, op.error])
      const finals = rows.filter((row) => row[0] === 'final').sort((x, y) => `${x[2]} ${x[3]}`.localeCompare(`${y[2]} ${y[3]}`))
      return [...rows.filter((row) => row[0] !== 'final'), ...finals]
    }
    const a = outcomes(described.history)
    assert.isAbove(a.length, 100)
    assert.deepEqual(a, outcomes(builtIn.history))
    assert.isTrue(a.some(([, f, , , type, value]) => f === 'get' && type === 'ok' && (value as unknown[]).length === 1))
  })

  test('on the netns network, partitions and packet loss between its nodes lose no acknowledged add (exit 0)', async ({
    assert,
    cleanup,
  }) => {
    const log: string[] = []
    cleanup(async () => {
      const id = log.join('\n').match(/network namespaces qln([0-9a-f]{6})-n1/)?.[1]
      if (id && (await leftoversOf(id)).length > 0) throw new Error(`the run left ${(await leftoversOf(id)).join(', ')}`)
    })
    const options = await setRun(cleanup, { store: await kvsStore(false), network: 'netns', nemeses: ['partition', 'drop'], nemesisSchedule: 'together' })
    const result = await runWorkload(options, { log: (line) => log.push(line) })
    assert.isTrue(result.completed, result.error)
    assert.match(log.join('\n'), /over network namespaces qln/)
    const drops = nemesisEventsOf(readHistory(result.history)).filter((e) => e.nemesis === 'drop' && e.f === 'stop')
    assert.isAbove(
      drops.reduce((n, e) => n + ((e.value.dropped as number) ?? 0), 0),
      0,
      'packets between nodes were lost',
    )
    const { analysis, check } = await checkOf(result.history, 'no-lost-writes')
    assert.include(check, { valid: true, promised: true })
    assert.equal(analysis.verdict.exitCode, 0, analysis.verdict.reason)
  }).skip(!!netnsSkipReason, netnsSkipReason)

  test('the example adapter module runs the fixture store like its description does (exit 0)', async ({ assert, cleanup }) => {
    const store = await loadAdapterModule(MODULE)
    const result = await runWorkload(await setRun(cleanup, { store, nemeses: ['partition'], timeS: 5 }))
    assert.isTrue(result.completed, result.error)
    const { analysis, check } = await checkOf(result.history, 'no-lost-writes')
    assert.include(check, { valid: true, promised: true })
    assert.equal(analysis.verdict.exitCode, 0, analysis.verdict.reason)
    assert.equal(analysis.run!.store!.name, 'kvs-module')
  })

  test('a node that exits before serving fails the start with the end of its log', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-dies-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    const raw = JSON.parse(await readFile(join(EXAMPLES, 'kvs.json'), 'utf8'))
    raw.node.command = ['{node}', '-e', "console.error('no disk for {id}'); process.exit(3)"]
    raw.node.cwd = '.'
    await writeFile(join(dir, 'dies.json'), JSON.stringify(raw))
    const store = httpAdapter(await readDescription(join(dir, 'dies.json')), 'dies.json')
    const error = await store.startCluster({ nodes: 2, dataDir: join(dir, 'nodes'), nemeses: [], network: 'proxy' }).then(
      () => undefined,
      (e: Error) => e,
    )
    assert.match(error?.message ?? '', /n\d exited \(code 3\) before serving; end of .*n\d\.log:\nno disk for n\d/)
  })
})
