/**
 * What a netns network is made of, made and removed: a bridge on the host holding the
 * host's address, and per node a namespace joined to the bridge by a veth pair (`eth0`
 * inside, with the node's address), its loopback up and its iptables chains in place.
 * Removal deletes the namespaces (their rules and veth ends go with them) and the host's
 * links, and says what is still there.
 */
import { readFile } from 'node:fs/promises'
import { baseRules } from './rules.ts'
import { inNamespace, ipBatch, ipBatchSync, run } from './command.ts'
import { netnsIdOf, ownerAlias, type NetnsNames } from './names.ts'
import type { Subnet } from './subnet.ts'

/** Creates the bridge, then every node's namespace and veth pair; on failure, removes what it made and rethrows. */
export async function createTopology(names: NetnsNames, subnet: Subnet, count: number): Promise<void> {
  const nodes = Array.from({ length: count }, (_, k) => k + 1)
  try {
    await run(['ip', '-batch', '-'], hostCommands(names, subnet, nodes))
    await Promise.all(
      nodes.map(async (i) => {
        await run(
          ['ip', '-n', names.namespace(i), '-batch', '-'],
          `addr add ${subnet.node(i)}/24 dev eth0\nlink set eth0 up\nlink set lo up\n`,
        )
        await run(inNamespace(names.namespace(i), ['iptables-restore', '-w', '--noflush']), baseRules())
      }),
    )
  } catch (error) {
    await removeTopology(names, count).catch(() => undefined)
    throw error
  }
}

/** The host's side, in one `ip -batch`: the bridge (its alias naming this process), the namespaces, the veth pairs. */
function hostCommands(names: NetnsNames, subnet: Subnet, nodes: number[]): string {
  return [
    `link add ${names.bridge} type bridge`,
    `link set ${names.bridge} alias ${ownerAlias(process.pid)}`,
    `addr add ${subnet.host}/24 dev ${names.bridge}`,
    `link set ${names.bridge} up`,
    ...nodes.flatMap((i) => [
      `netns add ${names.namespace(i)}`,
      `link add ${names.hostVeth(i)} type veth peer name eth0 netns ${names.namespace(i)}`,
      `link set ${names.hostVeth(i)} master ${names.bridge} up`,
    ]),
    '',
  ].join('\n')
}

/** The `ip` commands that remove a run's namespaces and links. */
export const removalCommands = (names: NetnsNames, count: number): string[] => {
  const nodes = Array.from({ length: count }, (_, k) => k + 1)
  return [
    ...nodes.map((i) => `netns del ${names.namespace(i)}`),
    ...nodes.map((i) => `link del ${names.hostVeth(i)}`),
    `link del ${names.bridge}`,
  ]
}

/** Removes a run's namespaces and links; rejects naming whatever of the run is still there afterwards. */
export async function removeTopology(names: NetnsNames, count: number): Promise<void> {
  await ipBatch(removalCommands(names, count)).catch(() => undefined)
  const left = (await netnsObjects()).filter((o) => o.id === names.id)
  if (left.length > 0) {
    throw new Error(`could not remove ${left.map((o) => o.name).join(', ')} (try: npm run net -- --cleanup)`)
  }
}

/** {@link removeTopology} without waiting or checking: the last resort at process exit. */
export const removeTopologySync = (names: NetnsNames, count: number): void => ipBatchSync(removalCommands(names, count))

/** A namespace or host link that a netns network made, with its run id. */
export type NetnsObject = { kind: 'namespace' | 'link'; name: string; id: string }

/** Every namespace and host link on this machine whose name says a netns network made it. */
export async function netnsObjects(): Promise<NetnsObject[]> {
  const [namespaces, links] = await Promise.all([run(['ip', 'netns', 'list']), run(['ip', '-o', 'link', 'show'])])
  const objects: NetnsObject[] = []
  for (const line of namespaces.split('\n')) {
    const name = line.trim().split(/\s+/)[0]
    const id = name ? netnsIdOf(name) : undefined
    if (id) objects.push({ kind: 'namespace', name, id })
  }
  for (const [, name] of links.matchAll(/^\d+:\s+([^:@\s]+)/gm)) {
    const id = netnsIdOf(name)
    if (id) objects.push({ kind: 'link', name, id })
  }
  return objects
}

/** The alias of a host link (`/sys/class/net/<name>/ifalias`), or '' when it has none or is gone. */
export const linkAlias = (name: string): Promise<string> => readFile(`/sys/class/net/${name}/ifalias`, 'utf8').catch(() => '')
