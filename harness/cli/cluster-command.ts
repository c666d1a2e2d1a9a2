/** `quorumlab cluster`: a local cluster of store node processes in the foreground. */
import { ConfigError, NODE_DEFAULTS, validateNodeConfig } from '../../store/config.ts'
import { LocalCluster, nodeIds } from '../cluster/local-cluster.ts'
import { defineCommand, integerOption, UsageError } from './command.ts'
import { addStoreOptions, storeSettings, type StoreFlags } from './store-options.ts'

type Flags = StoreFlags & { nodes: number; basePort: number; host: string; dataDir: string }

export function clusterCommand() {
  const command = defineCommand('cluster', 'run a local cluster of store nodes; Ctrl-C stops them all')
    .option('--nodes <count>', 'number of nodes (n1..nN)', integerOption(1, 64), 3)
    .option('--base-port <port>', 'node nI listens on base-port + I - 1', integerOption(1, 65535), 7100)
    .option('--host <host>', 'interface the nodes listen on', NODE_DEFAULTS.host)
    .option('--data-dir <dir>', 'node nI keeps its data in <dir>/nI', 'data/cluster')
  return addStoreOptions(command).action(async (flags: Flags) => {
    const settings = storeSettings(flags)
    if (flags.basePort + flags.nodes - 1 > 65535) throw new UsageError('base-port + nodes - 1 must not exceed 65535')
    const ids = nodeIds(flags.nodes)
    try {
      // Check the settings once here rather than watching every node refuse them.
      validateNodeConfig({
        id: ids[0],
        host: flags.host,
        port: flags.basePort,
        dataDir: flags.dataDir,
        peers: ids.slice(1).map((id, i) => ({ id, host: flags.host, port: flags.basePort + i + 1 })),
        ...settings,
      })
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.problems.join('\n       '))
      throw error
    }
    const cluster = await LocalCluster.start({
      nodes: flags.nodes,
      ports: ids.map((_, i) => flags.basePort + i),
      host: flags.host,
      dataDir: flags.dataDir,
      settings,
      processOptions: (id) => ({ onLine: (line) => console.log(`[${id}] ${line}`) }),
    })
    for (const node of cluster.nodes) console.log(`${node.id}  ${node.url}  pid ${node.pid}`)
    console.log(`${flags.nodes} nodes up (N=${settings.n} R=${settings.r} W=${settings.w}, ${settings.versioning}); Ctrl-C stops them`)
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    console.log('stopping nodes...')
    await cluster.stop()
  })
}
