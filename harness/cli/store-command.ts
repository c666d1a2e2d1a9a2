/** `quorumlab store`: one store node in the foreground. */
import { ConfigError, DEFAULT_HOST, validateNodeConfig, type NodeConfig, type PeerAddress } from '../../store/config.ts'
import { startNode } from '../../store/node.ts'
import type { NodeReadyMessage } from '../stores/quorumlab/index.ts'
import { defineCommand, integerOption, UsageError } from './command.ts'
import { addStoreOptions, collectPeer, sayConsistencyFixes, storeSettings } from './store-options.ts'

type Flags = Record<string, unknown> & { id: string; host: string; port: number; dataDir?: string; peer: PeerAddress[] }

export function storeCommand() {
  const command = defineCommand('store', 'run one store node in the foreground')
    .requiredOption('--id <id>', 'node id (letters, digits or _)')
    .option('--host <host>', 'interface to listen on', DEFAULT_HOST)
    .option('--port <port>', 'port to listen on (0: any free port)', integerOption(0, 65535), 7001)
    .option('--data-dir <dir>', 'where the node keeps its data (default: data/<id>)')
    .option('--peer <id=host:port>', 'another ring member and where to reach it; repeat per peer', collectPeer, [])
  return addStoreOptions(command).action(async (flags: Flags) => {
    let config: NodeConfig
    try {
      config = validateNodeConfig({
        id: flags.id,
        host: flags.host,
        port: flags.port,
        dataDir: flags.dataDir ?? `data/${flags.id}`,
        peers: flags.peer,
        ...storeSettings(flags),
      })
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError([...error.problems, ...ringHint(flags)].join('\n       '))
      throw error
    }
    sayConsistencyFixes(flags)
    const node = await startNode(config)
    console.log(`${config.id} listening on ${node.url} (pid ${process.pid}, data in ${config.dataDir})`)
    process.send?.({ type: 'ready', node: config.id, url: node.url, pid: process.pid } satisfies NodeReadyMessage)

    const stop = (): void => {
      void node.close().then(() => process.exit(0))
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    // A node spawned by the harness goes away with it, even if the harness is killed.
    process.once('disconnect', stop)
  })
}

/** A node's ring is itself and its peers: a lone `--id n1` with N=3 needs to hear that. */
function ringHint(flags: Flags): string[] {
  const members = flags.peer.length + 1
  if (members >= Number(flags.n)) return []
  return [
    `(the ring is this node and its --peer list: ${members} node${members === 1 ? '' : 's'}; name the other members with --peer ID=HOST:PORT, one per peer, or run a single node with --n 1 --r 1 --w 1)`,
  ]
}
