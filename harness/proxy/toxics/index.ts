/** Every toxic type Toxiproxy 2.12 knows, by name. */
import type { Toxic, ToxicKind, ToxicType } from '../toxic.ts'
import { bandwidth } from './bandwidth.ts'
import { latency } from './latency.ts'
import { limitData } from './limit-data.ts'
import { noop } from './noop.ts'
import { resetPeer } from './reset-peer.ts'
import { slicer } from './slicer.ts'
import { slowClose } from './slow-close.ts'
import { timeout } from './timeout.ts'

const KINDS: { [T in ToxicType]: ToxicKind<T, unknown> } = {
  latency,
  bandwidth,
  slow_close: slowClose,
  timeout,
  reset_peer: resetPeer,
  slicer,
  limit_data: limitData,
  noop,
}

export function isToxicType(type: string): type is ToxicType {
  return Object.hasOwn(KINDS, type)
}

export function toxicKind<T extends ToxicType>(type: T): ToxicKind<T, unknown> {
  return KINDS[type]
}

/** What the toxic's type does: a link hands it to the toxic's stub to run. */
export function kindOf(toxic: Toxic): ToxicKind<ToxicType, unknown> {
  return KINDS[toxic.type] as ToxicKind<ToxicType, unknown>
}
