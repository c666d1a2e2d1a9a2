/**
 * Number formatting for the plain-text outputs (the terminal summary), so one figure reads
 * the same everywhere. A missing value (null) is shown as '-'.
 */
import type { RunInfo } from '../common/contracts/history.ts'

/** A fraction as a percentage: one decimal, three for small non-zero fractions (< 0.1%). */
export const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`)

/** An integer as is, anything else with `digits` decimals. */
export const num = (x: number | null, digits = 2): string => (x === null ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(digits))

/** A count with thousands separators. */
export const count = (x: number): string => x.toLocaleString('en-US')

/** A run's nemeses in words: `crash, then partition` (one per fault window, in turn), `latency+crash` (together), `none`. */
export const nemesesText = ({ nemeses, nemesisSchedule }: Pick<RunInfo, 'nemeses' | 'nemesisSchedule'>): string =>
  nemeses.length === 0 ? 'none' : nemesisSchedule === 'rotate' ? nemeses.join(', then ') : nemeses.join('+')
