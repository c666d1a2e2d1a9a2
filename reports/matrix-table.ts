/**
 * The scenario matrix's comparison table for the terminal: one line per cell, its axis
 * values, its status and the terminal measures (means over repeats), within 100 columns.
 * Long axis values are abbreviated, and when that is not enough the cells are named by id;
 * a legend under the table spells out every abbreviation.
 */
import { num, pct } from './format.ts'
import type { MatrixCell, MatrixCellStatus, MatrixData } from './matrix-data.ts'
import type { MeasureInfo } from './matrix-measures.ts'
import { textTable } from './text-table.ts'

const STATUS: Record<MatrixCellStatus, string> = {
  passed: 'ok',
  violated: 'VIOL',
  incomplete: 'inc',
  failed: 'FAIL',
  interrupted: 'intr',
  'not-run': '-',
}

/** A figure in as few characters as reads well; the unit is in the legend. */
function compact(value: number | null | undefined, unit: MeasureInfo['unit']): string {
  if (value === null || value === undefined) return '-'
  switch (unit) {
    case 'fraction':
      return pct(value)
    case 'ms':
      return value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2)
    case 'count':
      return String(Math.round(value))
    case 'number':
      return num(value)
  }
}

/** Initials of a hyphenated, dotted or `+`-joined value (`read-modify-write` -> `rmw`), or its first four letters. */
function abbreviate(value: string): string {
  const initials = (parts: string[]): string => parts.map((p) => p.slice(0, 1)).join('')
  if (value.includes('+'))
    return value
      .split('+')
      .map((p) => p.slice(0, 1))
      .join('+')
  const parts = value.split(/[-_./]/).filter(Boolean)
  return parts.length > 1 ? initials(parts) : value.slice(0, 4)
}

/** Short, distinct stand-ins for the values longer than `max` characters. */
function abbreviations(values: string[], max: number): Map<string, string> {
  const out = new Map<string, string>()
  const used = new Set(values.filter((v) => v.length <= max))
  for (const value of values) {
    if (value.length <= max) continue
    let short = abbreviate(value)
    for (let n = 2; used.has(short); n++) short = `${abbreviate(value)}${n}`
    used.add(short)
    out.set(value, short)
  }
  return out
}

/** Lines of `items` joined by ' · ', none longer than `width`. */
function wrap(prefix: string, items: string[], width: number): string[] {
  const lines: string[] = []
  let line = prefix
  for (const item of items) {
    const next = line === prefix ? `${line}${item}` : `${line} · ${item}`
    if (next.length > width && line !== prefix) {
      lines.push(line)
      line = `  ${item}`
    } else line = next
  }
  lines.push(line)
  return lines
}

type Layout = { header: string[]; rows: string[][]; legend: string[] }

function layout(data: MatrixData, mode: 'full' | 'abbreviated' | 'ids'): Layout {
  const measures = data.measures.filter((m) => m.terminal)
  const axes = mode === 'ids' ? [] : data.axes
  const legend: string[] = []
  const short = new Map<string, Map<string, string>>()
  for (const axis of axes) {
    const names = mode === 'abbreviated' ? abbreviations(axis.values, 6) : new Map<string, string>()
    short.set(axis.name, names)
    if (names.size > 0) legend.push(`${axis.name}: ${[...names].map(([v, s]) => `${s} = ${v}`).join(', ')}`)
  }
  const row = (cell: MatrixCell): string[] => [
    cell.id,
    ...axes.map((a) => short.get(a.name)?.get(cell.config[a.name]) ?? cell.config[a.name] ?? ''),
    STATUS[cell.status],
    ...measures.map((m) => compact(cell.measures[m.id]?.mean, m.unit)),
  ]
  if (mode === 'ids') {
    for (const cell of data.cells) legend.push(`${cell.id}: ${data.axes.map((a) => `${a.name}=${cell.config[a.name]}`).join(' ')}`)
  }
  return { header: ['cell', ...axes.map((a) => a.name), 'status', ...measures.map((m) => m.short)], rows: data.cells.map(row), legend }
}

/** The measures' and statuses' legend, and what the figures are. */
function measureLegend(data: MatrixData, width: number): string[] {
  const measures = data.measures.filter((m) => m.terminal)
  const unit = (m: MeasureInfo) => (m.unit === 'ms' ? ' (ms)' : m.unit === 'fraction' ? ' (%)' : '')
  return [
    ...wrap(
      'columns: ',
      measures.map((m) => `${m.short} = ${m.label}${unit(m)}`),
      width,
    ),
    ...wrap(
      'status: ',
      Object.entries(STATUS).map(([status, s]) => `${s} = ${status}`),
      width,
    ),
    data.repeat > 1 ? `figures: means of up to ${data.repeat} repeats; min-max in matrix.csv` : '',
  ].filter(Boolean)
}

/**
 * The comparison table, its legend, and one line per failed run, each line at most `width`
 * characters (100 by default; an error message is cut to fit).
 */
export function matrixTable(data: MatrixData, width = 100): string[] {
  const figures = data.measures.filter((m) => m.terminal).length
  const lines = ({ header, rows }: Layout): string[] => textTable(header, rows, header.length - figures)
  let chosen = layout(data, 'full')
  for (const mode of ['abbreviated', 'ids'] as const) {
    if (lines(chosen).every((l) => l.length <= width)) break
    chosen = layout(data, mode)
  }
  const errors = data.cells.flatMap((c) =>
    c.runs.filter((r) => r.status === 'failed').map((r) => `${c.id} repeat ${r.repeat} failed: ${r.verdict}`.slice(0, width)),
  )
  return [...lines(chosen), ...chosen.legend.map((l) => l.slice(0, width)), ...measureLegend(data, width), ...errors]
}
