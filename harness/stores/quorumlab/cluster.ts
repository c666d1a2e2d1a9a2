/**
 * A reference-store cluster as the run sees it, however it was started: the contract's
 * parts (nodes, control, network) plus what only this store offers, through its admin
 * endpoints and its ring: readiness from `/health`, convergence from hints and Merkle
 * digests, key placement from the same ring the nodes build, clock skew, and the nodes'
 * own counts of node-to-node messages.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { replicationSummary } from '../../../common/contracts/history.ts'
import type { StoreSettings } from '../../../store/config.ts'
import { Ring } from '../../../store/ring.ts'
import type { Cluster, Network, NodeAddress, NodeControl, PowerCut } from '../../adapter/index.ts'
import { converged, nodeStats, nodeWars, replicaRead, serves, setClockSkew, type AdminTarget } from './admin.ts'

/** The settings the harness needs to know: what the run records, the ring's shape, the token `/admin/clock` wants. */
export type KnownSettings = Pick<
  StoreSettings,
  'n' | 'r' | 'w' | 'vnodes' | 'versioning' | 'consistency' | 'strict' | 'readRepair' | 'antiEntropyIntervalMs' | 'token'
>

export type QuorumlabClusterParts<N extends Network> = {
  nodes: NodeAddress[]
  settings: KnownSettings
  control: NodeControl
  network: N
  teardown(): Promise<void>
  /** Present when the nodes run on lazyfs disks (the power nemesis). */
  powerCut?(node: string): Promise<PowerCut>
  /** What a node's own process says (local nodes), added to an error about that node. */
  nodeReport?(node: string): string
}

const READY_POLL_MS = 100

/** The cluster these parts make; its `network` keeps its own type (a proxy network says which Toxiproxy carries it). */
export function quorumlabCluster<N extends Network>({
  nodes,
  settings,
  control,
  network,
  teardown,
  powerCut,
  nodeReport,
}: QuorumlabClusterParts<N>): Cluster & { network: N } {
  const admin: AdminTarget = { nodes, token: settings.token }
  const ring = new Ring({ nodes: nodes.map((n) => n.id), vnodes: settings.vnodes })
  const { n, r, w, versioning, strict, consistency } = settings
  // Strict quorums hand no write to a stand-in, so no hint is ever held for a home replica.
  const repair = { readRepair: settings.readRepair, hintedHandoff: !strict, antiEntropy: settings.antiEntropyIntervalMs > 0 }
  return {
    nodes,
    control,
    network,
    description: {
      summary: replicationSummary({ n, r, w, versioning, strict, consistency }),
      replication: { n, r, w, versioning, strict, consistency, repair },
    },
    async ready(timeoutMs) {
      const deadline = performance.now() + timeoutMs
      let waiting = nodes.map((node) => node.id)
      for (;;) {
        const answers = await Promise.all(waiting.map((id) => serves(admin, id)))
        waiting = waiting.filter((_, i) => !answers[i])
        if (waiting.length === 0) return
        if (performance.now() > deadline) {
          const reports = nodeReport ? waiting.map((id) => `\n${id}: ${nodeReport(id)}`).join('') : ''
          throw new Error(`${waiting.join(', ')} did not serve within ${timeoutMs} ms${reports}`)
        }
        await sleep(READY_POLL_MS)
      }
    },
    teardown,
    converged: () => converged(admin),
    preferenceList: (key) => ring.preferenceList(key),
    skewClock: (node, skewMs) => setClockSkew(admin, node, skewMs),
    warsLatencies: (node) => nodeWars(admin, node),
    async peerTraffic(node) {
      const stats = await nodeStats(admin, node)
      // A call refused or closed at once never reached the network's loss: only unanswered calls are lost messages.
      const byPeer = Object.fromEntries(
        Object.entries(stats.peers).map(([peer, c]) => [
          peer,
          { messages: c.calls - c.unreachable, dropped: c.timeouts, received: c.received },
        ]),
      )
      const sum = (field: 'messages' | 'dropped'): number => Object.values(byPeer).reduce((n, t) => n + t[field], 0)
      return { messages: sum('messages'), dropped: sum('dropped'), byPeer }
    },
    replicaRead: (node, key) => replicaRead(admin, node, key),
    ...(powerCut ? { powerCut } : {}),
  }
}
