/** `quorumlab serve`: browses the runs folder over HTTP (like Jepsen's serve). */
import { stat } from 'node:fs/promises'
import { serveRuns } from '../../reports/index.ts'
import { defineCommand, integerOption, UsageError } from './command.ts'

type Flags = { host: string; port: number; dir: string }

export function serveCommand() {
  return defineCommand('serve', 'serve the runs folder: an index of runs with their verdicts, and every report')
    .option('--host <host>', 'interface to listen on (127.0.0.1: this machine only)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', integerOption(0, 65535), 8080)
    .option('--dir <dir>', 'the runs folder', 'runs')
    .action(async (flags: Flags) => {
      const dir = await stat(flags.dir).catch(() => undefined)
      if (!dir?.isDirectory()) {
        throw new UsageError(
          `--dir ${flags.dir}: ${dir ? 'not a folder' : 'no such folder'} (the folder runs are written to: --out of workload)`,
        )
      }
      const server = await serveRuns({ host: flags.host, port: flags.port, dir: flags.dir })
      console.log(`serving ${flags.dir} at ${server.url}/ (Ctrl-C stops)`)
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      await server.close()
    })
}
