/**
 * The names of what one netns network creates, all starting with `qln` and the run's own
 * six hex digits, so two runs never collide and a killed run's leftovers can be found:
 * the bridge `qln<id>-br`, node I's namespace `qln<id>-n<I>` and the host end of its
 * veth pair `qln<id>-v<I>` (15 characters at most, the kernel's limit for a link name).
 * The bridge's alias names the process that owns the run.
 */
import { randomBytes } from 'node:crypto'

export const NETNS_PREFIX = 'qln'

const NAME = /^qln([0-9a-f]{6})-(br|n\d+|v\d+)$/

export type NetnsNames = {
  id: string
  bridge: string
  /** Node I's namespace (I from 1). */
  namespace(index: number): string
  /** The host end of node I's veth pair. */
  hostVeth(index: number): string
}

export function netnsNames(id: string): NetnsNames {
  const stem = `${NETNS_PREFIX}${id}`
  return { id, bridge: `${stem}-br`, namespace: (i) => `${stem}-n${i}`, hostVeth: (i) => `${stem}-v${i}` }
}

/** A fresh run id: six random hex digits. */
export const newNetnsId = (): string => randomBytes(3).toString('hex')

/** The run id in a namespace or link name this module made, or undefined for any other name. */
export const netnsIdOf = (name: string): string | undefined => NAME.exec(name)?.[1]

/** The bridge alias that records the owner: `quorumlab-pid-1234`. */
export const ownerAlias = (pid: number): string => `quorumlab-pid-${pid}`

/** The owner's pid in a bridge alias, or undefined. */
export const ownerOf = (alias: string): number | undefined => {
  const match = /^quorumlab-pid-(\d+)$/.exec(alias.trim())
  return match ? Number(match[1]) : undefined
}
