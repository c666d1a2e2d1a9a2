/**
 * The order of a column's rows by a numeric key, ties in row order: what `Array.sort` with
 * a comparator gives, without a call per comparison. Runs of 32 are insertion-sorted, then
 * merged bottom-up, the keys carried beside the indices so each comparison reads adjacent
 * memory; runs already in order are copied whole, so columns that are nearly in order (as
 * history columns mostly are) cost little more than a pass.
 */

/** Entries sorted by insertion before the merges. */
const RUN = 32

/**
 * `0 .. keys.length - 1` ordered by `keys` ascending, equal keys in index order (keys are
 * compared with `<`, so -0 and 0 tie; NaN keys have no defined place).
 */
export function stableOrder(keys: Float64Array): Int32Array {
  const count = keys.length
  let order = new Int32Array(count)
  let sorted = true
  for (let i = 0; i < count; i++) {
    order[i] = i
    if (i > 0 && keys[i] < keys[i - 1]) sorted = false
  }
  if (sorted) return order
  let key = Float64Array.from(keys)
  for (let start = 0; start < count; start += RUN) insertionSort(order, key, start, Math.min(start + RUN, count))
  let spare = new Int32Array(count)
  let spareKey = new Float64Array(count)
  for (let width = RUN; width < count; width *= 2) {
    for (let left = 0; left < count; left += 2 * width) {
      const middle = Math.min(left + width, count)
      const right = Math.min(left + 2 * width, count)
      let a = left
      let b = middle
      let out = left
      // Two runs already in order need no comparisons.
      if (middle < right && key[middle] < key[middle - 1]) {
        // The right run's entry goes first only when strictly smaller: ties stay in index order.
        while (a < middle && b < right) {
          if (key[b] < key[a]) {
            spareKey[out] = key[b]
            spare[out++] = order[b++]
          } else {
            spareKey[out] = key[a]
            spare[out++] = order[a++]
          }
        }
      }
      spare.set(order.subarray(a, middle), out)
      spareKey.set(key.subarray(a, middle), out)
      out += middle - a
      spare.set(order.subarray(b, right), out)
      spareKey.set(key.subarray(b, right), out)
    }
    ;[order, spare] = [spare, order]
    ;[key, spareKey] = [spareKey, key]
  }
  return order
}

/** Sorts entries [start, end) of `order` and `key` together by key; stable. */
function insertionSort(order: Int32Array, key: Float64Array, start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    const k = key[i]
    const o = order[i]
    let j = i
    while (j > start && k < key[j - 1]) {
      key[j] = key[j - 1]
      order[j] = order[j - 1]
      j--
    }
    key[j] = k
    order[j] = o
  }
}
