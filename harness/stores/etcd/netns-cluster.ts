/**
 * An etcd cluster on the netns network (`--network netns`): each member in its own
 * network namespace (`harness/network/`), started there with `ip netns exec`, listening
 * and advertising its namespace's address, so its peers reach it over the bridge where
 * the network's iptables rules can cut, or lose packets of, each ordered pair of members.
 * The harness's clients reach every member directly from the host.
 */
import type { Cluster } from '../../adapter/index.ts'
import { nodeIds } from '../../cluster/layout.ts'
import { NetnsNetwork } from '../../network/index.ts'
import { EtcdCluster } from './cluster.ts'
import type { ProxiedEtcdOptions } from './proxied-cluster.ts'

/** etcd's own ports: every member has a namespace, and so ports, of its own. */
const CLIENT_PORT = 2379
const PEER_PORT = 2380

/** Creates the network, then starts every member in its namespace; if any of it fails, stops what it started, removes the network and rethrows. */
export async function startNetnsEtcd({ binary, version, nodes, dataDir, reads }: ProxiedEtcdOptions): Promise<Cluster> {
  const ids = nodeIds(nodes)
  const network = await NetnsNetwork.create({ nodes: ids })
  let etcd: EtcdCluster | undefined
  const teardown = async (): Promise<void> => {
    await etcd?.stop(2000)
    await network.teardown()
  }
  try {
    etcd = await EtcdCluster.create({
      binary,
      nodes,
      dataDir,
      addresses: ids.map((id) => ({
        client: { host: network.address(id), port: CLIENT_PORT },
        peer: { host: network.address(id), port: PEER_PORT },
      })),
      launcher: (id) => network.launcher(id),
    })
    await etcd.start()
  } catch (error) {
    await teardown().catch(() => undefined)
    throw error
  }
  const cluster = etcd
  return {
    nodes: cluster.nodes,
    control: cluster.control,
    network,
    description: {
      summary: `etcd ${version}, ${nodes} members, ${reads} reads`,
      settings: { version, members: nodes, reads },
    },
    ready: (timeoutMs) => cluster.ready(timeoutMs),
    teardown,
  }
}
