/**
 * `quorumlab net`: what netns networks (`--network netns`) left on this machine, by run,
 * and `--cleanup` to remove the leftovers of runs whose process is gone (killed with
 * SIGKILL, or a machine that stopped): their namespaces, veths and bridge, and so their
 * iptables rules, which live inside the namespaces.
 */
import { cleanupNetns, netnsRuns, netnsSupport, type NetnsRun } from '../network/index.ts'
import { defineCommand, UsageError } from './command.ts'

type Flags = { cleanup: boolean; force: boolean }

const describe = (run: NetnsRun): string => {
  const count = (kind: string): number => run.objects.filter((o) => o.kind === kind).length
  const owner = run.owner === undefined ? 'no owner recorded' : `owner pid ${run.owner} ${run.inUse ? 'running' : 'gone'}`
  return `qln${run.id}: ${count('namespace')} namespaces, ${count('link')} links (${owner})`
}

export function netCommand() {
  return defineCommand('net', 'list what --network netns runs left on this machine; --cleanup removes the leftovers of killed runs')
    .option('--cleanup', 'remove the namespaces, veths and bridge of every run whose process is gone', false)
    .option('--force', 'with --cleanup: also remove those of runs still running', false)
    .action(async (flags: Flags) => {
      if (flags.force && !flags.cleanup) throw new UsageError('--force only goes with --cleanup')
      const support = netnsSupport()
      if (!support.ok) throw new UsageError(`cannot look for netns leftovers: ${support.reason}`)
      if (!flags.cleanup) {
        const runs = await netnsRuns()
        console.log(runs.length === 0 ? 'no netns network on this machine' : runs.map(describe).join('\n'))
        return
      }
      const { removed, inUse, left } = await cleanupNetns({ force: flags.force })
      for (const run of removed) console.log(`removed ${describe(run)}`)
      for (const run of inUse) console.log(`kept ${describe(run)}: still in use (--force removes it anyway)`)
      if (removed.length === 0 && inUse.length === 0 && left.length === 0) console.log('nothing to clean up')
      if (left.length > 0) throw new Error(`could not remove ${left.map((o) => o.name).join(', ')}`)
    })
}
