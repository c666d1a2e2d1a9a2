/** `quorumlab toxiproxy`: the embedded Toxiproxy-compatible server in the foreground. */
import { startEmbeddedToxiproxy, TOXIPROXY_VERSION, type EmbeddedToxiproxy } from '../proxy/index.ts'
import { defineCommand, integerOption } from './command.ts'

type Flags = { host: string; port: number }

export function toxiproxyCommand() {
  return defineCommand('toxiproxy', `run the embedded Toxiproxy-compatible server (API of Toxiproxy ${TOXIPROXY_VERSION}); Ctrl-C stops it`)
    .option('--host <host>', 'interface the API listens on', '127.0.0.1')
    .option('--port <port>', 'port the API listens on (0: any free port)', integerOption(0, 65535), 8474)
    .action(async (flags: Flags) => {
      // A port in use is a bad argument (exit 254), like any other: runProgram says so.
      const server: EmbeddedToxiproxy = await startEmbeddedToxiproxy({ host: flags.host, port: flags.port })
      console.log(`toxiproxy (embedded, API ${TOXIPROXY_VERSION}) listening on ${server.url} (pid ${process.pid})`)
      const stop = (): void => {
        void server.close().then(() => process.exit(0))
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
}
