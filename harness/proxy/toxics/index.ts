/** Every toxic type Toxiproxy 2.12 knows, by name, and how a stub starts one. */
import type { ToxicStub } from '../stub.ts'
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

export function newToxicState(toxic: Toxic): unknown {
  return (KINDS[toxic.type] as ToxicKind<ToxicType, unknown>).newState?.()
}

/** Runs the toxic's pipe on the stub, or only passes data on when its toxicity roll failed. */
export function runToxicPipe(stub: ToxicStub<unknown>, active: boolean): Promise<void> {
  const toxic = stub.toxic
  if (!active) return noop.pipe(stub, {})
  return (KINDS[toxic.type] as ToxicKind<ToxicType, unknown>).pipe(stub, toxic.attributes)
}
