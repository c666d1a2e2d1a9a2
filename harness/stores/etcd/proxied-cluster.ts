/**
 * An etcd cluster on the proxy network: members on free loopback ports with their data
 * under the run folder, and a Toxiproxy client link `c-nI` in front of each member's client
 * port. Members talk to each other directly: they find their peers by the addresses they
 * advertise, which a proxy per ordered pair cannot stand in for, so partitions need the
 * netns network. The cluster is the adapter seam's {@link Cluster}.
 */
import type { Cluster } from '../../adapter/index.ts'
import { openProxiedLayout } from '../../cluster/proxied-layout.ts'
import type { EtcdReads } from './client.ts'
import { EtcdCluster } from './cluster.ts'

export type ProxiedEtcdOptions = {
  /** The etcd server binary (`ensureEtcd()`). */
  binary: string
  /** Its version, for the run record (`3.6.16`). */
  version: string
  nodes: number
  /** Member nI keeps its data in `<dataDir>/nI` and its output in `<dataDir>/nI.log`. */
  dataDir: string
  /** How the run's clients read (recorded with the cluster). */
  reads: EtcdReads
}

/**
 * Starts the members, then their client links (after, so a link cannot take a port a member
 * was given); if any of it fails, stops what it started and rethrows.
 */
export async function startProxiedEtcd({ binary, version, nodes, dataDir, reads }: ProxiedEtcdOptions): Promise<Cluster> {
  const etcd = await EtcdCluster.create({ binary, nodes, dataDir })
  await etcd.start()
  let opened: Awaited<ReturnType<typeof openProxiedLayout>>
  try {
    opened = await openProxiedLayout({ nodes, peerLinks: false, upstream: (i) => etcd.members[i - 1].addresses.client })
  } catch (error) {
    await etcd.stop(2000).catch(() => undefined)
    throw error
  }
  const { layout, network, close } = opened
  const teardown = async (): Promise<void> => {
    await etcd.stop(2000)
    await close()
  }
  return {
    nodes: layout.nodes.map(({ id, client }) => ({ id, ...client })),
    control: etcd.control,
    network,
    description: {
      summary: `etcd ${version}, ${nodes} members, ${reads} reads`,
      settings: { version, members: nodes, reads },
    },
    ready: (timeoutMs) => etcd.ready(timeoutMs),
    teardown,
  }
}
