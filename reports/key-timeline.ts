/**
 * `quorumlab report RUN --key K`: the timeline page of one key's whole history
 * (`timeline-<key>.html` in the run folder), every op of the key drawn as a bar, one lane per
 * process. A hot key can have more ops than a page can draw legibly: then a window of them is
 * drawn (around the first failing window a model checker found on the key, when summary.json
 * has one, else from the start), and the page says which.
 */
import { createHash } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { HISTORY_FILE, type OpRecord } from '../common/contracts/history.ts'
import { shortJson } from './examples.ts'
import { HistoryReader } from './history-reader.ts'
import { renderTimelinePage } from './html/timeline-page.ts'
import type { ShownTimelineOp } from './model-checks.ts'
import type { RunSummary } from './summary.ts'

/** Most ops a timeline page draws. */
export const TIMELINE_OPS = 500

export type KeyTimeline =
  | { kind: 'written'; file: string; ops: number; drawn: number }
  /** Nothing written: no history, or no op of the key; `reason` says which. */
  | { kind: 'problem'; reason: string }

/** The page's file name: the key itself when it is a plain name, else a digest of it. */
export function timelineFileName(key: string): string {
  const plain = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(key)
  return `timeline-${plain ? key : `key-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`}.html`
}

/** Writes the timeline page of `key` into the run folder `runDir`. Never throws for a missing history or key. */
export async function writeKeyTimeline(runDir: string, key: string, maxOps = TIMELINE_OPS): Promise<KeyTimeline> {
  const dir = resolve(runDir)
  const path = join(dir, HISTORY_FILE)
  if (!(await stat(path).catch(() => undefined))?.isFile())
    return { kind: 'problem', reason: `no history: ${path} does not exist or is not a file` }
  const ops: ShownTimelineOp[] = []
  await new HistoryReader(path).read((record) => {
    if (typeof record.process !== 'number' || (record as OpRecord).key !== key) return
    const op = record as OpRecord
    ops.push({
      index: op.index,
      process: op.process,
      type: op.type,
      f: op.f,
      key,
      value: shortJson(op.f === 'delete' ? null : op.value),
      invoke: op.invoke,
      complete: op.type === 'info' ? null : op.complete,
    })
  })
  if (ops.length === 0) return { kind: 'problem', reason: `no op of key ${JSON.stringify(key)} in ${path}` }
  ops.sort((a, b) => a.invoke - b.invoke || a.index - b.index)
  const focus = await firstWindowOf(dir, key)
  let from = 0
  if (ops.length > maxOps && focus.length > 0) {
    const at = ops.findIndex((op) => op.index === focus[0])
    from = Math.max(0, Math.min(ops.length - maxOps, at - Math.floor(maxOps / 2)))
  }
  const drawn = ops.slice(from, from + maxOps)
  const ms = (op: ShownTimelineOp): string => (op.invoke / 1000).toFixed(1)
  const legend =
    'One lane per process; each op a bar from invoke to complete: green ok, red fail, orange info (never completed: it may take effect any time after its start).'
  const note =
    `${legend} ` +
    (drawn.length === ops.length
      ? `All ${ops.length.toLocaleString('en-US')} ops of the key. Time runs in order, not to scale: each invoke and complete gets the same room.`
      : `${ops.length.toLocaleString('en-US')} ops: drawing ${drawn.length.toLocaleString('en-US')} of them (from ${ms(drawn[0])} ms to ${ms(drawn[drawn.length - 1])} ms), ${focus.length > 0 ? 'around the first failing window a model checker found on this key' : 'from the start'}. Time runs in order, not to scale.`)
  const file = join(dir, timelineFileName(key))
  await writeFile(file, await renderTimelinePage({ run: basename(dir), key, ops: drawn, focus, note }))
  return { kind: 'written', file, ops: ops.length, drawn: drawn.length }
}

/** The ops of the first failing window on `key` in the run's summary.json, if any. */
async function firstWindowOf(dir: string, key: string): Promise<number[]> {
  try {
    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as Partial<RunSummary>
    const window = (summary.models ?? []).flatMap((m) => m.windows).find((w) => w.key === key)
    return window?.focus ?? window?.ops.map((op) => op.index) ?? []
  } catch {
    return []
  }
}
