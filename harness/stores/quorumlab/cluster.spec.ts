import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { DEFAULT_STORE_SETTINGS } from '../../../store/config.ts'
import type { Network, NodeControl } from '../../adapter/index.ts'
import { freePorts } from '../../cluster/ports.ts'
import { quorumlabCluster } from './cluster.ts'
import { LocalCluster } from './local-cluster.ts'
import { STORE_SEMI_SPACE, storeNodeFlags } from './node-command.ts'
import { NodeProcess, processReport } from './node-process.ts'

test.group('quorumlab cluster', () => {
  test("a node that never serves is named, with what its process says, when the wait's deadline passes", async ({ assert }) => {
    // Nothing listens on these ports: every health check is refused.
    const [p1, p2] = await freePorts(2)
    const cluster = quorumlabCluster({
      nodes: [
        { id: 'n1', host: '127.0.0.1', port: p1 },
        { id: 'n2', host: '127.0.0.1', port: p2 },
      ],
      settings: DEFAULT_STORE_SETTINGS,
      control: {} as NodeControl,
      network: {} as Network,
      teardown: async () => {},
      nodeReport: (id) => `report of ${id}`,
    })
    const started = performance.now()
    const error = await cluster.ready(300).then(
      () => undefined,
      (e: Error) => e,
    )
    assert.instanceOf(error, Error)
    assert.match(error!.message, /^n1, n2 did not serve within 300 ms\nn1: report of n1\nn2: report of n2$/)
    assert.isBelow(performance.now() - started, 5_000)
  })
  test("a node's report says whether its process runs and what it last printed", ({ assert }) => {
    const node = new NodeProcess({
      id: 'n1',
      host: '127.0.0.1',
      port: 1,
      dataDir: '/nonexistent',
      peers: [],
      settings: DEFAULT_STORE_SETTINGS,
    })
    assert.equal(processReport([node], 'n1'), 'its process is not running; its last output:\n(none)')
    assert.equal(processReport([node], 'n9'), 'no process for n9')
  })

  test("a node's Node flags: the store's young generation, unless NODE_OPTIONS sets one", ({ assert }) => {
    assert.deepEqual(storeNodeFlags(), [STORE_SEMI_SPACE])
    assert.deepEqual(storeNodeFlags('--enable-source-maps --max-old-space-size=512'), [STORE_SEMI_SPACE])
    assert.deepEqual(storeNodeFlags('--enable-source-maps --max-semi-space-size=8'), [])
    assert.deepEqual(storeNodeFlags('--max_semi_space_size 8'), [])
  })

  test('a node process is started with its Node flags', async ({ assert, cleanup }) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'quorumlab-flags-'))
    let cluster: LocalCluster | undefined
    cleanup(async () => {
      await cluster?.stop()
      await rm(dataDir, { recursive: true, force: true })
    })
    const settings = { ...DEFAULT_STORE_SETTINGS, n: 1, r: 1, w: 1 }
    cluster = await LocalCluster.start({ nodes: 1, ports: await freePorts(1), dataDir, settings })
    const argv = readFileSync(`/proc/${cluster.nodes[0].pid}/cmdline`, 'utf8').split('\0')
    assert.include(argv, STORE_SEMI_SPACE)
    assert.isBelow(
      argv.indexOf(STORE_SEMI_SPACE),
      argv.findIndex((a) => a.endsWith('quorumlab.js')),
      'a flag of Node, before the script',
    )
  })
})
