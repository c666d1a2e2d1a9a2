/**
 * slicer: each chunk is cut into pieces of about `average_size` ± `size_variation` bytes,
 * sent `delay` µs apart. Toxiproxy loops forever (and dies) when `average_size` is below 1
 * or the variation reaches the average; here cuts are kept inside the chunk instead.
 */
import { performance } from 'node:perf_hooks'
import type { ToxicAttributes, ToxicKind } from '../toxic.ts'

export const slicer: ToxicKind<'slicer'> = {
  type: 'slicer',
  goName: 'SlicerToxic',
  fields: { average_size: 'int', size_variation: 'int', delay: 'int' },
  bufferChunks: 0,
  async pipe(stub, attributes) {
    for (;;) {
      const chunk = await stub.read()
      if (chunk === 'interrupted') return
      if (chunk === 'end') return stub.close()
      const cuts = sliceOffsets(attributes, chunk.data.length)
      // Due times add up so sub-millisecond delays keep their average.
      let due = performance.now()
      for (let i = 1; i < cuts.length; i++) {
        stub.emit({ data: chunk.data.subarray(cuts[i - 1], cuts[i]), timestamp: chunk.timestamp })
        due += attributes.delay / 1000
        if (!(await stub.sleepUntil(due))) {
          if (cuts[i] < chunk.data.length) stub.emit({ data: chunk.data.subarray(cuts[i]), timestamp: chunk.timestamp })
          return
        }
      }
    }
  },
}

/**
 * Where to cut `size` bytes: offsets from 0 to `size`, found by halving with a random shift
 * until a piece is within the variation of the average (so pieces vary evenly along the chunk).
 */
export function sliceOffsets(attributes: Readonly<ToxicAttributes['slicer']>, size: number): number[] {
  const average = Math.max(1, attributes.average_size)
  const variation = Math.max(0, attributes.size_variation)
  const offsets = [0]
  const split = (start: number, end: number): void => {
    if (end - start - average <= variation || end - start < 2) {
      offsets.push(end)
      return
    }
    let middle = start + Math.floor((end - start) / 2)
    if (variation > 0) middle += Math.floor(Math.random() * 2 * variation) - variation
    middle = Math.min(end - 1, Math.max(start + 1, middle))
    split(start, middle)
    split(middle, end)
  }
  if (size > 0) split(0, size)
  return offsets
}
