// @ts-check
/*
 * Says what a nemesis did in words, from its start and stop records (summary.json's
 * `nemesis` periods), for the report's fault table: "partition (halves): n1 | n2 n3",
 * "latency 100 ms ± 20 ms on 6 links", "drop p=0.2, achieved 0.19 (19 of 100 messages)".
 * Fields it does not know are said as `name value` rather than left out. Pure functions of
 * the data (no DOM), inlined before the page script like timeline.js.
 */

/** @typedef {import('../faults.ts').NemesisPeriod} NemesisPeriod */
/** @typedef {Record<string, unknown>} Fields */

/** @param {unknown} x @returns {string[]} */
const names = (x) => (Array.isArray(x) ? x.map(String) : [])
/** @param {unknown} x */
const isNumber = (x) => typeof x === 'number' && Number.isFinite(x)
/** A probability or rate with two significant digits. @param {number} x */
const rate = (x) => String(Number(x.toPrecision(2)))
/** @param {unknown} x */
const count = (x) => (Array.isArray(x) ? x.length : isNumber(x) ? Number(x) : null)

/** @param {Fields} v */
function partitionWords(v) {
  const kind = typeof v.kind === 'string' ? v.kind : 'partition'
  let shape = ''
  if (Array.isArray(v.groups)) shape = v.groups.map((g) => names(g).join(' ')).join(' | ')
  if (typeof v.bridge === 'string') shape += `, ${v.bridge} bridging both`
  if (typeof v.mute === 'string') shape = `${v.mute} cannot send to ${names(v.others).join(' ')}`
  if (v.sees && typeof v.sees === 'object')
    shape = Object.entries(v.sees)
      .map(([node, seen]) => `${node} sees ${names(seen).join(' ')}`)
      .join('; ')
  const cut = count(v.cut)
  return `partition (${kind})${shape ? `: ${shape}` : ''}${cut === null ? '' : `, ${cut} link${cut === 1 ? '' : 's'} cut`}`
}

/** @param {Fields} v */
function latencyWords(v) {
  const jitter = isNumber(v.jitterMs) && Number(v.jitterMs) > 0 ? ` ± ${v.jitterMs} ms` : ''
  const links = count(v.links)
  return `latency ${v.latencyMs ?? '?'} ms${jitter}${links === null ? '' : ` on ${links} links`}${v.clients ? ', client links too' : ''}`
}

/** @param {Fields} v @param {Fields | null} stop */
function dropWords(v, stop) {
  const asked = isNumber(v.probability) ? `drop p=${rate(Number(v.probability))}` : 'drop'
  if (!stop) return `${asked}, still on at the end`
  if (!isNumber(stop.achievedRate)) return `${asked}, achieved rate not counted`
  const unit = typeof stop.unit === 'string' ? stop.unit : 'messages'
  return `${asked}, achieved ${rate(Number(stop.achievedRate))} (${stop.dropped} of ${stop.messages} ${unit})`
}

/** crash, pause and clock: the nodes hit, with a clock's skew. @param {string} nemesis @param {Fields} v */
function targetWords(nemesis, v) {
  const details = /** @type {Record<string, Fields>} */ (v.details && typeof v.details === 'object' ? v.details : {})
  const hit = names(v.targets).map((node) => {
    const skew = details[node]?.skewMs
    return isNumber(skew) ? `${node} ${Number(skew) > 0 ? '+' : '−'}${Math.abs(Number(skew))} ms` : node
  })
  return `${nemesis} ${hit.join(', ') || '(no node)'}`
}

const KNOWN = new Set(['kind', 'groups', 'bridge', 'mute', 'others', 'sees', 'cut', 'latencyMs', 'jitterMs', 'links', 'clients'])
const KNOWN_TARGETS = new Set(['targets', 'details', 'probability'])

/** Fields a description did not say, as `name value`. @param {Fields} v */
function otherFields(v) {
  return Object.entries(v)
    .filter(([name]) => name !== 'error' && !KNOWN.has(name) && !KNOWN_TARGETS.has(name))
    .map(([name, value]) => `${name} ${typeof value === 'string' ? value : JSON.stringify(value)}`)
}

/**
 * One fault period in words, with what went wrong starting or healing it.
 * @param {NemesisPeriod} period
 * @returns {string}
 */
export function faultWords(period) {
  const v = period.value
  const stop = period.stopValue
  const main =
    period.nemesis === 'partition'
      ? partitionWords(v)
      : period.nemesis === 'latency'
        ? latencyWords(v)
        : period.nemesis === 'drop'
          ? dropWords(v, stop)
          : targetWords(period.nemesis, v)
  const parts = [main, ...otherFields(v)]
  if (typeof v.error === 'string') parts.push(`start failed: ${v.error}`)
  if (stop && typeof stop.error === 'string') parts.push(`heal failed: ${stop.error}`)
  return parts.join('; ')
}
