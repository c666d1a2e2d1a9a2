/**
 * A workload: which keys ops touch and how, what they write, and how sessions write
 * (read-modify-write or blind). The presets and the checks that turn user input into a
 * valid workload live here.
 */
import { keySampler, type KeyDistribution, type KeySampler } from './distributions.ts'
import { KINDS, type KindBehavior } from './kinds.ts'
import { WORKLOAD_KINDS, type WorkloadKind } from '../common/contracts/history.ts'
import type { Placement } from './placement.ts'

export type WriteStyle = 'read-modify-write' | 'blind'

export type WorkloadSpec = {
  name: string
  kind: WorkloadKind
  /** Number of distinct keys. */
  keys: number
  distribution: KeyDistribution
  placement: Placement
  /** Fraction of ops that are reads, 0..1. */
  readFraction: number
  /**
   * Fraction of ops that are compare-and-set, 0..1 (register kind, on stores that offer it;
   * default 0): each replaces the value its session last saw of the key with a new one.
   */
  casFraction?: number
  /** Approximate size of a register value, bytes. */
  valueBytes: number
  writeStyle: WriteStyle
}

export const PRESETS = {
  /** Keys spread over the ring, uniformly chosen. */
  distributed: {
    name: 'distributed',
    kind: 'register',
    keys: 1000,
    distribution: { type: 'uniform' },
    placement: 'spread',
    readFraction: 0.5,
    valueBytes: 32,
    writeStyle: 'read-modify-write',
  },
  /** A few hot keys (zipfian, theta 0.99 as in YCSB), all on one replica set. */
  clustered: {
    name: 'clustered',
    kind: 'register',
    keys: 16,
    distribution: { type: 'zipfian', theta: 0.99 },
    placement: 'colocated',
    readFraction: 0.5,
    valueBytes: 32,
    writeStyle: 'read-modify-write',
  },
} as const satisfies Record<string, WorkloadSpec>

export type PresetName = keyof typeof PRESETS

/** A workload ready to generate ops. */
export type Workload = WorkloadSpec & { casFraction: number; behavior: KindBehavior; sampleKey: KeySampler }

export function prepareWorkload(spec: WorkloadSpec): Workload {
  const problems = workloadProblems(spec)
  if (problems.length > 0) throw new WorkloadError(problems)
  return { ...spec, casFraction: spec.casFraction ?? 0, behavior: KINDS[spec.kind], sampleKey: keySampler(spec.distribution, spec.keys) }
}

export class WorkloadError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '))
  }
}

/** Every problem with a workload definition, in words a user can act on. */
export function workloadProblems(spec: WorkloadSpec): string[] {
  const problems: string[] = []
  if (typeof spec.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(spec.name)) {
    problems.push('name must be 1-64 letters, digits, _, . or -')
  }
  if (!(WORKLOAD_KINDS as readonly string[]).includes(spec.kind)) problems.push(`kind must be one of ${WORKLOAD_KINDS.join(', ')}`)
  if (!Number.isInteger(spec.keys) || spec.keys < 1 || spec.keys > 10_000_000) problems.push('keys must be an integer from 1 to 10000000')
  if (!['spread', 'colocated'].includes(spec.placement)) problems.push('placement must be spread or colocated')
  if (!['read-modify-write', 'blind'].includes(spec.writeStyle)) problems.push('writeStyle must be read-modify-write or blind')
  if (typeof spec.readFraction !== 'number' || !(spec.readFraction >= 0 && spec.readFraction <= 1)) {
    problems.push('readFraction must be a number from 0 to 1')
  }
  problems.push(...casProblems(spec))
  if (!Number.isInteger(spec.valueBytes) || spec.valueBytes < 1 || spec.valueBytes > 1024 * 1024) {
    problems.push('valueBytes must be an integer from 1 to 1048576')
  }
  const d = spec.distribution as KeyDistribution | undefined
  if (d?.type === 'zipfian') {
    if (typeof d.theta !== 'number' || !(d.theta > 0 && d.theta <= 10)) problems.push('distribution.theta must be a number in (0, 10]')
  } else if (d?.type === 'hotspot') {
    for (const field of ['hotKeyFraction', 'hotOpFraction'] as const) {
      if (typeof d[field] !== 'number' || !(d[field] > 0 && d[field] <= 1))
        problems.push(`distribution.${field} must be a number in (0, 1]`)
    }
  } else if (d?.type !== 'uniform') {
    problems.push('distribution.type must be uniform, zipfian or hotspot')
  }
  return problems
}

/** Compare-and-set needs a register (a set's writes merge, a cas would replace) and room beside the reads. */
function casProblems({ casFraction, readFraction, kind }: WorkloadSpec): string[] {
  if (casFraction === undefined) return []
  if (typeof casFraction !== 'number' || !(casFraction >= 0 && casFraction <= 1)) return ['casFraction must be a number from 0 to 1']
  if (casFraction > 0 && kind !== 'register') return [`casFraction applies to the register kind only, not ${kind}`]
  if (typeof readFraction === 'number' && readFraction + casFraction > 1) {
    return [`readFraction + casFraction must be at most 1 (got ${readFraction} + ${casFraction}): the rest are puts`]
  }
  return []
}
