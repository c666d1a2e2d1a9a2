/**
 * `--store` as a user types it: the four kinds, an adapter module's shape checked field by
 * field, and every refusal (a flag of another store, cas on a store without it, a nemesis
 * the store cannot take, a bad description) before anything starts.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import { QUORUMLAB_BIN } from '../stores/quorumlab/index.ts'
import { adapterProblems, loadAdapterModule } from './adapter-module.ts'
import { EXIT } from '../../common/contracts/exit-codes.ts'
import { UsageError } from './command.ts'
import { parseStoreChoice } from './store-choice.ts'

const EXAMPLE_MODULE = fileURLToPath(new URL('../stores/http/examples/kvs-adapter.ts', import.meta.url))
const KVS = fileURLToPath(new URL('../stores/http/examples/kvs.json', import.meta.url))

const refusal = (run: () => unknown): string => {
  try {
    run()
  } catch (error) {
    if (error instanceof UsageError) return error.message
    throw error
  }
  throw new Error('expected a UsageError')
}

test.group('--store', () => {
  test('quorumlab, etcd, http:FILE and module paths; anything else is refused saying what it takes', ({ assert }) => {
    assert.deepEqual(parseStoreChoice('quorumlab'), { kind: 'quorumlab' })
    assert.deepEqual(parseStoreChoice('etcd'), { kind: 'etcd' })
    assert.deepEqual(parseStoreChoice('http:stores/my store.json'), { kind: 'http', file: 'stores/my store.json' })
    for (const path of ['my-adapter.ts', './a/b.mjs', 'x.mts', 'y.js']) assert.deepEqual(parseStoreChoice(path), { kind: 'module', path })
    assert.match(
      refusal(() => parseStoreChoice('http')),
      /--store http:FILE/,
    )
    assert.match(
      refusal(() => parseStoreChoice('kvs.json')),
      /--store http:kvs\.json/,
    )
    assert.match(
      refusal(() => parseStoreChoice('riak')),
      /expected quorumlab, etcd, http:FILE .* \(\.ts, \.mts, \.js, \.mjs\)/,
    )
  })

  test('an adapter module: the shipped example loads; a wrong shape is named field by field', async ({ assert, cleanup }) => {
    const example = await loadAdapterModule(EXAMPLE_MODULE)
    assert.equal(example.name, 'kvs-module')
    assert.deepEqual(adapterProblems({ name: 'x', startCluster() {}, openClient() {}, capabilities: example.capabilities }), [])
    assert.deepEqual(adapterProblems(42), [
      'the default export must be a StoreAdapter object (name, capabilities, startCluster, openClient)',
    ])
    assert.deepEqual(
      adapterProblems({
        name: 'has space',
        startCluster: 1,
        capabilities: { cas: 'yes', versionMetadata: false, promises: ['fast'], nemeses: { proxy: ['meteor'] } },
      }),
      [
        'name: must be 1-64 letters, digits, _, . or -',
        'startCluster: must be a function',
        'openClient: must be a function',
        'capabilities.cas: must be true or false',
        'capabilities.promises[0]: must be one of linearizable, sequential, causal, no-lost-writes, no-phantom-values, final-reads-agree',
        'capabilities.nemeses.proxy: must be a list of latency, drop, crash, pause, partition, clock, wipe, power',
      ],
    )
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-module-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'throws.mjs'), "throw new Error('boom')\n")
    await writeFile(join(dir, 'empty.mjs'), 'export const nothing = 1\n')
    await assert.rejects(() => loadAdapterModule(join(dir, 'throws.mjs')), /failed to load: boom/)
    await assert.rejects(() => loadAdapterModule(join(dir, 'empty.mjs')), /the default export must be a StoreAdapter/)
    await assert.rejects(() => loadAdapterModule(join(dir, 'missing.ts')), /no such file/)
  })
})

test.group('--store on the command line', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('what a store cannot do is refused before anything starts, naming the flag', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-store-flags-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ name: 'bad', node: { command: [] }, requests: {}, responses: {} }))
    const cases: [string[], RegExp][] = [
      [['--store', 'etcd', '--r', '1', '--strict'], /--r, --strict: settings of the quorumlab store, not of --store etcd/],
      [['--etcd-reads', 'serializable'], /--etcd-reads: applies to --store etcd, not --store quorumlab/],
      [['--cas-fraction', '0.2'], /--cas-fraction 0.2: --store quorumlab offers no compare-and-set/],
      [
        ['--store', 'etcd', '--nemesis', 'partition'],
        /--nemesis partition: --store etcd cannot take this on the proxy network \(it takes crash, pause\); use --network netns/,
      ],
      [['--store', `http:${KVS}`, '--nemesis', 'drop,clock'], /--nemesis drop,clock: .* cannot take these/],
      [['--store', `http:${KVS}`, '--workload', 'clustered'], /--workload clustered puts its keys on one replica set/],
      [['--store', 'etcd', '--routing', 'coordinator'], /--routing coordinator: --store etcd has no ring/],
      [['--store', 'etcd', '--nodes', '11'], /an etcd cluster here has 1 to 9 members/],
      [['--store', EXAMPLE_MODULE, '--network', 'netns', '--nemesis', 'none'], /--network netns: .* runs on the proxy network only/],
      [['--store', `http:${join(dir, 'bad.json')}`], /node\.command: must be a non-empty list[\s\S]*requests\.get: must be an object/],
      [['--kind', 'set', '--cas-fraction', '0.1', '--store', 'etcd'], /casFraction applies to the register kind only/],
    ]
    for (const [args, message] of cases) {
      const result = spawnSync(process.execPath, [QUORUMLAB_BIN, 'workload', ...args, '--out', dir], { encoding: 'utf8', timeout: 60_000 })
      assert.equal(result.status, EXIT.usage, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, message, args.join(' '))
    }
  })
})
