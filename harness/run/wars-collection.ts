/**
 * Collects the WARS latencies (PBS) the nodes timed and writes them as `wars.json` in the
 * run folder, their times moved onto the run's clock so the report can keep the samples
 * of calm periods. Nodes and the harness read the same host-wide monotonic clock
 * (`process.hrtime.bigint`, CLOCK_MONOTONIC on Linux), so the move is one subtraction.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { WARS_FILE, WARS_LEGS, type WarsLegSamples, type WarsRunFile, monotonicMs } from '../../common/contracts/wars.ts'
import type { Cluster } from '../adapter/index.ts'
import type { RunClock } from '../history/clock.ts'

/**
 * Asks every node for its samples and writes `wars.json` into `dir`; resolves with the
 * file's path, or undefined when the store cannot time WARS legs. A node that does not
 * answer is listed as missing, not an error: the prediction uses the others.
 */
export async function collectWars(cluster: Cluster, clock: Pick<RunClock, 'nowMs'>, dir: string): Promise<string | undefined> {
  const ask = cluster.warsLatencies?.bind(cluster)
  if (!ask) return undefined
  const ids = cluster.nodes.map((n) => n.id)
  const answers = await Promise.all(ids.map((id) => ask(id).catch(() => undefined)))
  // Host monotonic ms at the run clock's zero.
  const originMs = monotonicMs() - clock.nowMs()
  const legs = Object.fromEntries(WARS_LEGS.map((leg) => [leg, { seen: 0, samples: [] }])) as Record<string, WarsLegSamples>
  const commit: WarsLegSamples = { seen: 0, samples: [] }
  const add = (into: WarsLegSamples, from: WarsLegSamples): void => {
    into.seen += from.seen
    for (const [atMs, ms] of from.samples) into.samples.push([atMs - originMs, ms])
  }
  for (const answer of answers) {
    if (!answer) continue
    for (const leg of WARS_LEGS) add(legs[leg], answer.legs[leg])
    if (answer.commit) add(commit, answer.commit)
  }
  for (const leg of [...Object.values(legs), commit]) leg.samples.sort((a, b) => a[0] - b[0])
  const file: WarsRunFile = {
    format: 1,
    clock: 'process.hrtime.bigint (CLOCK_MONOTONIC, shared by every process of the host)',
    nodes: ids.filter((_, i) => answers[i]),
    missing: ids.filter((_, i) => !answers[i]),
    legs: legs as WarsRunFile['legs'],
    ...(commit.seen > 0 ? { commit } : {}),
  }
  const path = join(dir, WARS_FILE)
  await writeFile(path, `${JSON.stringify(file)}\n`)
  return path
}
