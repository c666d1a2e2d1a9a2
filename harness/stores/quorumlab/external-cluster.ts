/**
 * External mode: a cluster somebody else started (docker compose, or your own nodes).
 * A JSON config file names the Toxiproxy, the nodes, every link (the harness creates
 * them through the Toxiproxy API) and how to crash and pause nodes. Every problem in the
 * file is reported at once, with the path of the offending field.
 *
 * ```json
 * {
 *   "toxiproxy": "http://127.0.0.1:8474",
 *   "store": { "n": 3, "r": 2, "w": 2, "vnodes": 16, "versioning": "dvv", "consistency": "eventual", "strict": false, "tokenFile": "/secret/token" },
 *   "nodes": [{ "id": "n1", "address": "127.0.0.1:7001" }],
 *   "links": {
 *     "client": { "n1": { "listen": "127.0.0.1:20001" } },
 *     "peer": { "n1-n2": { "listen": "127.0.0.1:21012" } }
 *   },
 *   "control": { "type": "command", "crash": "kill -9 $(cat /tmp/{node}.pid)", "restart": "...", "pause": "...", "resume": "..." }
 * }
 * ```
 *
 * A client link may also say `"connect": "host:port"` when clients reach it at another
 * address than it listens on (a proxy in a container listening on 0.0.0.0). The store's
 * secret (what the nodes were given with `--token`) is `store.token`, or read from the
 * file `store.tokenFile` (as the nodes read it with `--token-file`), or neither when the
 * nodes run `--insecure` (`store.insecure`).
 */
import { readFile } from 'node:fs/promises'
import { Toxiproxy } from 'toxiproxy-node-client'
import type { VersioningMode } from '../../../common/contracts/causal.ts'
import type { ConsistencyMode } from '../../../common/contracts/history.ts'
import { parseAddress } from '../../../common/helpers/address.ts'
import { INSECURE_TOKEN, NODE_DEFAULTS, NODE_ID_PATTERN, settingsProblems, withConsistencyFixes } from '../../../store/config.ts'
import type { Cluster, NodeControl } from '../../adapter/index.ts'
import { commandControl, noControl, type CommandControlConfig } from '../../cluster/command-control.ts'
import { dockerControl, type DockerControlConfig } from '../../cluster/docker-control.ts'
import { createLinks, removeLinks, type LinkSpec } from '../../cluster/links.ts'
import { clientLinkName, peerLinkName, proxyNetwork } from '../../network/index.ts'
import { quorumlabCluster, type KnownSettings } from './cluster.ts'

export type ExternalClusterConfig = {
  toxiproxy: string
  store: Partial<KnownSettings> & { insecure?: boolean; tokenFile?: string }
  nodes: { id: string; address: string }[]
  links: {
    client: Record<string, { listen: string; connect?: string }>
    peer: Record<string, { listen: string }>
  }
  control: { type: 'none' } | CommandControlConfig | DockerControlConfig
}

export class ClusterConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}:\n  ${problems.join('\n  ')}`)
  }
}

const isAddress = (v: unknown): v is string => typeof v === 'string' && parseAddress(v) !== undefined

/** Every problem of a parsed config, with the path of each field. */
export function clusterConfigProblems(raw: unknown): string[] {
  const problems: string[] = []
  const c = raw as Partial<ExternalClusterConfig>
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return ['the file must hold a JSON object']
  if (c.toxiproxy !== undefined && (typeof c.toxiproxy !== 'string' || !/^https?:\/\/.+/.test(c.toxiproxy))) {
    problems.push('toxiproxy: must be the http:// URL of the Toxiproxy API (or leave it out and set TOXIPROXY_URL)')
  }
  if (c.store !== undefined && (typeof c.store !== 'object' || c.store === null || Array.isArray(c.store))) {
    problems.push('store: must be an object of store settings (n, r, w, vnodes, versioning, consistency, strict, token or tokenFile)')
  }
  const store = (typeof c.store === 'object' && c.store !== null ? c.store : {}) as ExternalClusterConfig['store']
  problems.push(...secretProblems(store))
  const nodes = Array.isArray(c.nodes) ? c.nodes : []
  if (!Array.isArray(c.nodes) || nodes.length === 0) problems.push('nodes: must be a non-empty list of {id, address}')
  const ids = new Set<string>()
  nodes.forEach((node, i) => {
    if (typeof node?.id !== 'string' || !NODE_ID_PATTERN.test(node.id)) problems.push(`nodes[${i}].id: must be 1-64 letters, digits or _`)
    else if (ids.has(node.id)) problems.push(`nodes[${i}].id: "${node.id}" appears twice`)
    else ids.add(node.id)
    if (!isAddress(node?.address)) problems.push(`nodes[${i}].address: must be host:port where the node listens`)
  })
  const { tokenFile: _, ...settings } = store
  for (const { path, message } of settingsProblems(settings, Math.max(1, ids.size))) problems.push(`store.${path}: ${message}`)
  const clientLinks = c.links?.client ?? {}
  const peerLinks = c.links?.peer ?? {}
  for (const id of ids) {
    const link = clientLinks[id]
    if (!link) problems.push(`links.client.${id}: missing (every node needs a client link)`)
    else {
      if (!isAddress(link.listen)) problems.push(`links.client.${id}.listen: must be host:port`)
      if (link.connect !== undefined && !isAddress(link.connect)) problems.push(`links.client.${id}.connect: must be host:port`)
    }
    for (const to of ids) {
      if (to === id) continue
      const name = peerLinkName(id, to)
      if (!peerLinks[name]) problems.push(`links.peer.${name}: missing (every ordered pair of nodes needs a link)`)
      else if (!isAddress(peerLinks[name].listen)) problems.push(`links.peer.${name}.listen: must be host:port`)
    }
  }
  for (const id of Object.keys(clientLinks)) if (!ids.has(id)) problems.push(`links.client.${id}: no such node`)
  for (const name of Object.keys(peerLinks)) {
    const [from, to] = name.split('-')
    if (!ids.has(from) || !ids.has(to)) problems.push(`links.peer.${name}: not of the form <node>-<node> for two nodes of the cluster`)
  }

  const control = c.control as { type?: unknown; [k: string]: unknown } | undefined
  if (!control || !['none', 'command', 'docker'].includes(String(control.type))) {
    problems.push('control.type: must be "none", "command" or "docker"')
  } else if (control.type === 'command') {
    for (const verb of ['crash', 'restart', 'pause', 'resume']) {
      if (typeof control[verb] !== 'string' || !(control[verb] as string).includes('{node}')) {
        problems.push(`control.${verb}: must be a shell command containing {node}`)
      }
    }
    if (control.wipe !== undefined && (typeof control.wipe !== 'string' || !control.wipe.includes('{node}'))) {
      problems.push('control.wipe: must be a shell command containing {node} (it kills the node and deletes its data)')
    }
    if (control.timeoutMs !== undefined && !(Number.isInteger(control.timeoutMs) && (control.timeoutMs as number) > 0)) {
      problems.push('control.timeoutMs: must be a positive integer (ms)')
    }
  } else if (control.type === 'docker') {
    const containers = control.containers as Record<string, unknown> | undefined
    for (const id of ids) {
      if (typeof containers?.[id] !== 'string') problems.push(`control.containers.${id}: must name the node's container`)
    }
    if (control.socket !== undefined && typeof control.socket !== 'string')
      problems.push('control.socket: must be the path of the Docker socket')
  }
  return problems
}

/** The nodes' secret: given inline or in a file, once; or none, for insecure nodes. */
function secretProblems({ token, tokenFile, insecure }: ExternalClusterConfig['store']): string[] {
  if (tokenFile !== undefined && (typeof tokenFile !== 'string' || tokenFile === '')) return ['store.tokenFile: must be the path of a file']
  if (token !== undefined && tokenFile !== undefined) return ['store: give the cluster secret once, as token or as tokenFile']
  if (token === undefined && tokenFile === undefined && insecure !== true) {
    return ['store.token: missing: the cluster secret the nodes were given (--token), or store.tokenFile, or "insecure": true']
  }
  return []
}

/** The secret the harness sends where the nodes want it (admin calls that change behaviour). */
async function secretOf({ token, tokenFile, insecure }: ExternalClusterConfig['store'], file: string): Promise<string> {
  if (tokenFile === undefined) return token ?? (insecure ? INSECURE_TOKEN : '')
  try {
    return (await readFile(tokenFile, 'utf8')).trim()
  } catch (error) {
    throw new ClusterConfigError(file, [`store.tokenFile: cannot read ${tokenFile}: ${(error as Error).message}`])
  }
}

export async function readClusterConfig(file: string): Promise<ExternalClusterConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new ClusterConfigError(file, [`cannot read it: ${(error as Error).message}`])
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ClusterConfigError(file, [`not valid JSON: ${(error as Error).message}`])
  }
  const problems = clusterConfigProblems(raw)
  if (!(raw as ExternalClusterConfig).toxiproxy && !process.env.TOXIPROXY_URL) {
    problems.push('toxiproxy: missing (give the Toxiproxy API URL here or in TOXIPROXY_URL)')
  }
  if (problems.length > 0) throw new ClusterConfigError(file, problems)
  return raw as ExternalClusterConfig
}

/** Reads the config, creates every link through the Toxiproxy API and returns the cluster. */
export async function loadExternalCluster(file: string): Promise<Cluster> {
  const config = await readClusterConfig(file)
  const url = (config.toxiproxy ?? process.env.TOXIPROXY_URL!).replace(/\/+$/, '')
  const toxiproxy = new Toxiproxy(url)
  const ids = config.nodes.map((n) => n.id)
  const address = new Map(config.nodes.map((n) => [n.id, n.address]))
  const links: LinkSpec[] = [
    ...ids.map((id) => ({ name: clientLinkName(id), listen: config.links.client[id].listen, upstream: address.get(id)! })),
    ...ids.flatMap((from) =>
      ids
        .filter((to) => to !== from)
        .map((to) => ({
          name: peerLinkName(from, to),
          listen: config.links.peer[peerLinkName(from, to)].listen,
          upstream: address.get(to)!,
        })),
    ),
  ]
  const token = await secretOf(config.store ?? {}, file)
  const created = await createLinks(toxiproxy, links)
  const connect = (id: string) => parseAddress(config.links.client[id].connect ?? config.links.client[id].listen)!
  const store = config.store ?? {}
  return quorumlabCluster({
    nodes: ids.map((id) => ({ id, ...connect(id) })),
    // The nodes set what their consistency mode needs (strict quorums...): the run records that.
    settings: withConsistencyFixes({
      n: store.n ?? NODE_DEFAULTS.n,
      r: store.r ?? NODE_DEFAULTS.r,
      w: store.w ?? NODE_DEFAULTS.w,
      vnodes: store.vnodes ?? NODE_DEFAULTS.vnodes,
      versioning: (store.versioning ?? NODE_DEFAULTS.versioning) as VersioningMode,
      consistency: (store.consistency ?? NODE_DEFAULTS.consistency) as ConsistencyMode,
      strict: store.strict ?? NODE_DEFAULTS.strict,
      // What the nodes were started with, as far as the file says: the run records the repair paths.
      readRepair: store.readRepair ?? NODE_DEFAULTS.readRepair,
      antiEntropyIntervalMs: store.antiEntropyIntervalMs ?? NODE_DEFAULTS.antiEntropyIntervalMs,
      token,
    }),
    control: controlOf(config.control),
    network: proxyNetwork({ kind: 'real', url }, ids, created),
    // The nodes are not ours to stop; the links we made are ours to remove.
    teardown: () => removeLinks(created.values()),
  })
}

function controlOf(control: ExternalClusterConfig['control']): NodeControl {
  switch (control.type) {
    case 'command':
      return commandControl(control)
    case 'docker':
      return dockerControl(control)
    case 'none':
      return noControl
  }
}
