/** `quorumlab cluster`: a local cluster of store node processes in the foreground. */
import { DEFAULT_HOST } from '../../store/config.ts'
import { nodeIds } from '../cluster/layout.ts'
import { EXIT } from '../../common/contracts/exit-codes.ts'
import { LocalCluster, NodeExitedError } from '../stores/quorumlab/index.ts'
import { defineCommand, integerOption, UsageError } from './command.ts'
import { addStoreOptions, checkedStoreSettings, sayConsistencyFixes } from './store-options.ts'

type Flags = Record<string, unknown> & { nodes: number; basePort: number; host: string; dataDir: string }

export function clusterCommand() {
  const command = defineCommand('cluster', 'run a local cluster of store nodes; Ctrl-C stops them all')
    .option('--nodes <count>', 'number of nodes (n1..nN)', integerOption(1, 64), 3)
    .option('--base-port <port>', 'node nI listens on base-port + I - 1', integerOption(1, 65535), 7100)
    .option('--host <host>', 'interface the nodes listen on', DEFAULT_HOST)
    .option('--data-dir <dir>', 'node nI keeps its data in <dir>/nI', 'data/cluster')
  return addStoreOptions(command).action(async (flags: Flags) => {
    // Checked once here rather than watching every node refuse them.
    const settings = checkedStoreSettings(flags, flags.nodes)
    sayConsistencyFixes(flags)
    if (flags.basePort + flags.nodes - 1 > 65535) throw new UsageError('base-port + nodes - 1 must not exceed 65535')
    const ids = nodeIds(flags.nodes)
    const cluster = await LocalCluster.start({
      nodes: flags.nodes,
      ports: ids.map((_, i) => flags.basePort + i),
      host: flags.host,
      dataDir: flags.dataDir,
      settings,
      processOptions: (id) => ({ onLine: (line) => console.log(`[${id}] ${line}`) }),
    }).catch(refusedArguments)
    for (const node of cluster.nodes) console.log(`${node.id}  ${node.url}  pid ${node.pid}`)
    const { n, r, w, versioning, consistency } = settings
    console.log(`${flags.nodes} nodes up (N=${n} R=${r} W=${w}, ${versioning}, ${consistency}); Ctrl-C stops them`)
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    console.log('stopping nodes...')
    await cluster.stop()
  })
}

/** A node that refused what it was given (a port in use, a locked data folder) makes the cluster's arguments bad too. */
function refusedArguments(error: unknown): never {
  if (error instanceof NodeExitedError && error.code === EXIT.usage) {
    const why = error.output.split('\n').findLast((line) => line.startsWith('error: ')) ?? error.message
    throw new UsageError(`${error.node}: ${why.replace(/^error: /, '')}`)
  }
  throw error
}
