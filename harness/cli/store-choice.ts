/**
 * `--store`: which store a run tests, and its adapter, built from the flags and checked
 * against what the run asks (compare-and-set ops, nemeses) before anything starts.
 * `quorumlab` (the reference store, local or `--cluster FILE`), `etcd` (a real etcd
 * cluster, `--etcd-reads`), `http:FILE` (a store described by a JSON file) or `PATH` (a
 * user's adapter module). A plain string flag, so a matrix can take it as an axis.
 */
import { Option } from 'commander'
import type { NemesisName, NetworkKind } from '../../common/contracts/history.ts'
import type { WorkloadSpec } from '../../workloads/workload.ts'
import type { Routing } from '../generator/op-generator.ts'
import type { StoreAdapter } from '../adapter/index.ts'
import { etcdAdapter, etcdUnavailableReason, type EtcdReads } from '../stores/etcd/index.ts'
import { DescriptionError, httpAdapter, readDescription } from '../stores/http/index.ts'
import { ClusterConfigError, quorumlabAdapter, readClusterConfig, SETTING_FLAGS } from '../stores/quorumlab/index.ts'
import { loadAdapterModule, MODULE_EXTENSIONS } from './adapter-module.ts'
import { choiceOption, UsageError } from './command.ts'
import { checkedStoreSettings, storeSettings } from './store-options.ts'

export const ETCD_READS = ['linearizable', 'serializable'] as const satisfies readonly EtcdReads[]

/** What `--store` names. */
export type StoreChoice = { kind: 'quorumlab' } | { kind: 'etcd' } | { kind: 'http'; file: string } | { kind: 'module'; path: string }

export type StoreFlags = Record<string, unknown> & { store: string; etcdReads: EtcdReads; cluster?: string }

/** What the run will ask of the store. */
export type StorePlan = {
  nodes: number
  nemeses: readonly NemesisName[]
  workloads: readonly WorkloadSpec[]
  routing: Routing
  network: NetworkKind
}

/** Reads `--store`; a {@link UsageError} says what it takes. */
export function parseStoreChoice(raw: string): StoreChoice {
  if (raw === 'quorumlab' || raw === 'etcd') return { kind: raw }
  if (raw.startsWith('http:') && raw.length > 'http:'.length) return { kind: 'http', file: raw.slice('http:'.length) }
  if (raw === 'http')
    throw new UsageError('--store http needs its description file: --store http:FILE (a JSON file, README "--store http")')
  if (MODULE_EXTENSIONS.some((ext) => raw.endsWith(ext))) return { kind: 'module', path: raw }
  if (raw.endsWith('.json')) throw new UsageError(`--store ${raw}: a store description is given as --store http:${raw}`)
  throw new UsageError(
    `--store "${raw}": expected quorumlab, etcd, http:FILE (a JSON description) or the path of an adapter module (${MODULE_EXTENSIONS.join(', ')})`,
  )
}

/** `--store` and `--etcd-reads`, under the help heading `group`. */
export function storeChoiceOptions(group: string): Option[] {
  return [
    new Option('--store <store>', 'the store under test: quorumlab | etcd | http:FILE (a JSON description) | PATH (an adapter module)')
      .default('quorumlab')
      .helpGroup(group),
    new Option('--etcd-reads <mode>', `etcd: how reads read, ${ETCD_READS.join(' | ')}`)
      .argParser(choiceOption(ETCD_READS))
      .default('linearizable')
      .helpGroup(group),
  ]
}

/** A flag as typed (`--n`, `--no-read-repair`) and the key of its value in parsed flags. */
const flag = (flags: string): { long: string; attribute: string } => {
  const option = new Option(flags)
  return { long: option.long ?? flags, attribute: option.attributeName() }
}

/** The reference store's own flags: its settings and external mode. */
const QUORUMLAB_FLAGS = [...SETTING_FLAGS.map((f) => flag(f.flags)), flag('--cluster <file>')]

/** Flags that only make sense for another store are refused when the user gave them, naming them. */
function refuseForeignFlags(choice: StoreChoice, given: (attribute: string) => boolean): void {
  const referenceOnly = QUORUMLAB_FLAGS.filter((f) => given(f.attribute)).map((f) => f.long)
  if (choice.kind !== 'quorumlab' && referenceOnly.length > 0) {
    throw new UsageError(`${referenceOnly.join(', ')}: settings of the quorumlab store, not of --store ${describe(choice)}`)
  }
  if (choice.kind !== 'etcd' && given('etcdReads')) {
    throw new UsageError(`--etcd-reads: applies to --store etcd, not --store ${describe(choice)}`)
  }
}

const describe = (choice: StoreChoice): string =>
  choice.kind === 'http' ? `http:${choice.file}` : choice.kind === 'module' ? choice.path : choice.kind

/** The reference store, local or external; external mode takes its settings and nodes from the cluster file. */
async function quorumlabFrom(flags: StoreFlags, plan: StorePlan): Promise<Chosen> {
  if (!flags.cluster) return { store: quorumlabAdapter({ settings: checkedStoreSettings(flags, plan.nodes) }), nodes: plan.nodes }
  try {
    const config = await readClusterConfig(flags.cluster)
    const needs = plan.nemeses.filter((n) => n === 'crash' || n === 'pause')
    if (needs.length > 0 && config.control.type === 'none') {
      throw new UsageError(`--nemesis ${needs.join(',')} needs node control, but ${flags.cluster} has control.type "none"`)
    }
    return { store: quorumlabAdapter({ settings: storeSettings(flags), clusterFile: flags.cluster }), nodes: config.nodes.length }
  } catch (error) {
    if (error instanceof ClusterConfigError) throw new UsageError(error.message)
    throw error
  }
}

/** The chosen store's adapter, and how many nodes its cluster will have. */
type Chosen = { store: StoreAdapter; nodes: number }

async function adapterOf(choice: Exclude<StoreChoice, { kind: 'quorumlab' }>, flags: StoreFlags, plan: StorePlan): Promise<StoreAdapter> {
  switch (choice.kind) {
    case 'etcd': {
      if (plan.nodes > 9) throw new UsageError(`--nodes ${plan.nodes}: an etcd cluster here has 1 to 9 members (3 or 5 are usual)`)
      const unavailable = await etcdUnavailableReason()
      if (unavailable) throw new UsageError(`--store etcd: ${unavailable}`)
      return etcdAdapter({ reads: flags.etcdReads })
    }
    case 'http':
      try {
        return httpAdapter(await readDescription(choice.file), choice.file)
      } catch (error) {
        if (error instanceof DescriptionError) throw new UsageError(`--store http:${error.message}`)
        throw error
      }
    case 'module':
      return loadAdapterModule(choice.path)
  }
}

/** Refuses what the run asks that the store does not offer: compare-and-set ops, nemeses on this network. */
function checkFits(store: StoreAdapter, plan: StorePlan, label: string): void {
  const casFraction = Math.max(0, ...plan.workloads.map((w) => w.casFraction ?? 0))
  if (casFraction > 0 && !store.capabilities.cas) {
    throw new UsageError(`--cas-fraction ${casFraction}: --store ${label} offers no compare-and-set (etcd does)`)
  }
  const { placement } = store.capabilities
  const colocated = plan.workloads.filter((w) => w.placement === 'colocated').map((w) => w.name)
  if (colocated.length > 0 && !placement) {
    throw new UsageError(
      `--workload ${colocated.join(',')} puts its keys on one replica set, but --store ${label} does not say where keys live: use a workload with placement spread (distributed)`,
    )
  }
  if (plan.routing === 'coordinator' && placement !== 'ring') {
    throw new UsageError(`--routing coordinator: --store ${label} has no ring to find a key's coordinator by; use --routing random`)
  }
  const networks = Object.keys(store.capabilities.nemeses)
  if (!networks.includes(plan.network)) {
    throw new UsageError(`--network ${plan.network}: --store ${label} runs on the ${networks.join(' or ')} network only`)
  }
  const offered = store.capabilities.nemeses[plan.network] ?? []
  const refused = plan.nemeses.filter((n) => !offered.includes(n))
  if (refused.length > 0) {
    const elsewhere = (Object.keys(store.capabilities.nemeses) as NetworkKind[]).filter(
      (network) => network !== plan.network && refused.every((n) => store.capabilities.nemeses[network]?.includes(n)),
    )
    throw new UsageError(
      `--nemesis ${refused.join(',')}: --store ${label} cannot take ${refused.length > 1 ? 'these' : 'this'} on the ${plan.network} network ` +
        `(it takes ${offered.join(', ') || 'none there'})${elsewhere.length > 0 ? `; use --network ${elsewhere.join(' or ')}` : ''}`,
    )
  }
}

/**
 * The adapter of the store the flags choose, checked against the run's plan. `given` says
 * whether the user set a flag (by its attribute name), rather than leaving its default.
 */
export async function storeAdapterFrom(flags: StoreFlags, given: (attribute: string) => boolean, plan: StorePlan): Promise<Chosen> {
  const choice = parseStoreChoice(flags.store)
  refuseForeignFlags(choice, given)
  const chosen =
    choice.kind === 'quorumlab' ? await quorumlabFrom(flags, plan) : { store: await adapterOf(choice, flags, plan), nodes: plan.nodes }
  checkFits(chosen.store, plan, describe(choice))
  return chosen
}
