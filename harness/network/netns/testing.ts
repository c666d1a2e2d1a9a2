/** Fixtures for tests of the netns network: whether this machine can run them, and proof a test left nothing behind. */
import { NetnsNetwork } from './netns-network.ts'
import { netnsSupport } from './support.ts'
import { netnsObjects } from './topology.ts'

/** Why netns tests cannot run here (not Linux, not root, no iptables), or undefined when they can. */
export const netnsSkipReason: string | undefined = (() => {
  const support = netnsSupport()
  return support.ok ? undefined : support.reason
})()

/** The namespaces and links of run `id` still on this machine, by name (none once it is torn down). */
export const leftoversOf = async (id: string): Promise<string[]> => (await netnsObjects()).filter((o) => o.id === id).map((o) => o.name)

type Cleanup = (handler: () => Promise<void> | void) => void

/**
 * A netns network for these nodes, torn down when the test ends, passed or failed; the
 * cleanup then fails the test if anything of the network is still on the machine.
 */
export async function startTestNetwork(cleanup: Cleanup, nodes: readonly string[]): Promise<NetnsNetwork> {
  const network = await NetnsNetwork.create({ nodes })
  cleanup(async () => {
    await network.teardown()
    const left = await leftoversOf(network.names.id)
    if (left.length > 0) throw new Error(`the test left ${left.join(', ')}`)
  })
  return network
}
