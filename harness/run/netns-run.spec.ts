/**
 * Whole runs on the netns network (real namespaces, iptables, node processes): the drop
 * nemesis's stop record carries the packet-loss rate achieved, from the rule counters,
 * and the run's record says which network it ran on; nothing of the network outlives the run.
 */
import { test } from '@japa/runner'
import { leftoversOf, netnsSkipReason } from '../network/netns/testing.ts'
import { runWorkload } from './run.ts'
import { nemesisEventsOf, readHistory, shortRunOptions } from './testing.ts'

/** The netns run id in the run's log (`... over network namespaces qln1a2b3c-n1 to ...`). */
const networkId = (log: string[]): string | undefined => log.join('\n').match(/network namespaces qln([0-9a-f]{6})-n1/)?.[1]

test.group('runs on the netns network', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('drop at p = 0.2 loses 0.2 ± 0.05 of the packets, by the iptables counters in the stop records', async ({ assert, cleanup }) => {
    const log: string[] = []
    cleanup(async () => {
      const id = networkId(log)
      if (id && (await leftoversOf(id)).length > 0) throw new Error(`the run left ${(await leftoversOf(id)).join(', ')}`)
    })
    const base = await shortRunOptions(cleanup)
    const options = {
      ...base,
      network: 'netns' as const,
      nemeses: ['drop' as const],
      nemesis: { ...base.nemesis, dropProbability: 0.2 },
      timeS: 6,
      nemesisIntervalS: 3,
      rate: 150,
    }
    const result = await runWorkload(options, { log: (line) => log.push(line) })
    assert.isTrue(result.completed, result.error)
    const id = networkId(log)
    assert.isDefined(id, log.join('\n'))
    assert.deepEqual(await leftoversOf(id!), [], 'the run removed its namespaces, veths and bridge')

    const history = readHistory(result.history)
    const run = history.find((r) => r.process === 'harness' && r.f === 'run')
    assert.deepInclude(run?.value as object, { network: 'netns' })
    const stops = nemesisEventsOf(history).filter((e) => e.nemesis === 'drop' && e.f === 'stop' && e.value.unit === 'packets')
    assert.isAtLeast(stops.length, 1)
    for (const stop of stops)
      assert.sameMembers(Object.keys(stop.value.byLink as object), ['n1-n2', 'n1-n3', 'n2-n1', 'n2-n3', 'n3-n1', 'n3-n2'])
    const seen = stops.reduce((n, e) => n + (e.value.messages as number), 0)
    const dropped = stops.reduce((n, e) => n + (e.value.dropped as number), 0)
    assert.isAbove(seen, 500, 'enough packets to tell the rate')
    assert.closeTo(dropped / seen, 0.2, 0.05, `achieved ${dropped}/${seen}`)
  })
    // A whole run: on a loaded 2-core machine it takes longer than the default 30 s.
    .timeout(120_000)
    .skip(!!netnsSkipReason, netnsSkipReason)
})
