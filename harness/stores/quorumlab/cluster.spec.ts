import { test } from '@japa/runner'
import { DEFAULT_STORE_SETTINGS } from '../../../store/config.ts'
import type { Network, NodeControl } from '../../adapter/index.ts'
import { freePorts } from '../../cluster/ports.ts'
import { quorumlabCluster } from './cluster.ts'
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
})
