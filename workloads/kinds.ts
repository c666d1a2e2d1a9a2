/**
 * Workload kinds: what a write writes and how a session merges siblings.
 *
 * - `register`: every write writes a unique value (its element id), so every read can
 *   be traced to the write it saw; siblings are resolved by a fresh write.
 * - `set`: add-only; every write adds one unique element to what the session knows of
 *   the set, and siblings merge by union: the Jepsen set test, which finds lost writes.
 */

import type { WorkloadKind } from '../common/contracts/history.ts'

export type WriteValue = {
  value: unknown
  /** `set`: the element this write adds. */
  element?: string
}

export type KindBehavior = {
  /**
   * A new write. `element` is unique in the run; `known` is what the session last knew
   * of the key (the values of its last read or its own last write), undefined if nothing.
   */
  write(element: string, known: unknown[] | undefined, valueBytes: number): WriteValue
  /** The value written back to resolve siblings. */
  resolve(element: string, siblings: unknown[], valueBytes: number): WriteValue
}

/** A register value: the element id, padded to about `valueBytes`. */
function registerValue(element: string, valueBytes: number): string {
  const pad = valueBytes - element.length - 1
  return pad > 0 ? `${element}:${'x'.repeat(pad)}` : element
}

const elementsOf = (values: unknown[] | undefined): string[] =>
  (values ?? []).flatMap((v) => (Array.isArray(v) ? v.filter((e): e is string => typeof e === 'string') : []))

const union = (values: unknown[] | undefined, extra: string[] = []): string[] => [...new Set([...elementsOf(values), ...extra])].sort()

export const KINDS: Record<WorkloadKind, KindBehavior> = {
  register: {
    write: (element, _known, valueBytes) => ({ value: registerValue(element, valueBytes) }),
    resolve: (element, _siblings, valueBytes) => ({ value: registerValue(element, valueBytes) }),
  },
  set: {
    write: (element, known) => ({ value: union(known, [element]), element }),
    resolve: (_element, siblings) => ({ value: union(siblings) }),
  },
}
