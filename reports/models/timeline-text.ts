/**
 * A failing window as plain text for the terminal: one line per op in invocation order,
 * a bar from its invocation to its completion on a shared time axis (an info op's runs
 * off the end), its process, outcome and what it did, and a mark on the ops of the
 * longest prefix the search could place.
 */
import type { FailingWindow, TimelineOp } from './model-result.ts'

const BAR_WIDTH = 40

const shorten = (text: string): string => (text.length > 30 ? `${text.slice(0, 27)}...` : text)
const json = (value: unknown): string => shorten(JSON.stringify(value) ?? 'undefined')

/** e.g. `put "a"`, `get → ["a"]`, `cas "a" → "b"`, `delete`. */
function what(op: TimelineOp): string {
  if (op.f === 'get') return op.type === 'ok' ? `get → ${json(op.value)}` : 'get'
  if (op.f === 'cas' && Array.isArray(op.value)) return `cas ${json(op.value[0])} → ${json(op.value[1])}`
  return op.f === 'delete' ? 'delete' : `put ${json(op.value)}`
}

/** The window as lines of text (no trailing newline); times in ms from the window's first invocation. */
export function timelineText(window: FailingWindow): string[] {
  const linearized = new Set(window.linearized ?? [])
  const start = Math.min(...window.ops.map((o) => o.invoke))
  const end = Math.max(...window.ops.map((o) => o.complete ?? o.invoke))
  const scale = (t: number): number => (end > start ? Math.round(((t - start) / (end - start)) * (BAR_WIDTH - 1)) : 0)
  const lines = [`  ${'ms'.padStart(19)}  ${' '.repeat(BAR_WIDTH)}  process  outcome  op (index)`]
  for (const op of window.ops) {
    const from = scale(op.invoke)
    const to = op.complete === null ? BAR_WIDTH : scale(op.complete)
    const bar = `${' '.repeat(from)}${op.complete === null ? '|'.padEnd(BAR_WIDTH - from, '-') : `|${'='.repeat(Math.max(0, to - from - 1))}${to > from ? '|' : ''}`}`
    const ms = (t: number | null): string => (t === null ? '...' : ((t - start) / 1000).toFixed(3))
    const times = `${ms(op.invoke)}–${ms(op.complete)}`.padStart(19)
    const mark = linearized.has(op.index) ? '*' : ' '
    lines.push(
      `${mark} ${times}  ${bar.padEnd(BAR_WIDTH)}  ${String(op.process).padStart(7)}  ${op.type.padEnd(7)}  ${what(op)} (${op.index})`,
    )
  }
  return lines
}
