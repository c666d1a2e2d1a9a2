/**
 * Renders a key's timeline page (`timeline-<key>.html`): one self-contained file, like
 * index.html (page-script.ts): the page data, the timeline script inlined, no network.
 * Every stored value is drawn as text.
 */
import { readFile } from 'node:fs/promises'
import type { ShownTimelineOp } from '../model-checks.ts'
import { joinPageModules, scriptPage } from './page-script.ts'

export type TimelinePageData = {
  /** The run folder's name. */
  run: string
  key: string
  /** The ops drawn, in invoke order. */
  ops: ShownTimelineOp[]
  /** History indices of ops to outline (a violation's), when any. */
  focus: number[]
  /** What is drawn: all the key's ops, or which window of how many. */
  note: string
}

export async function renderTimelinePage(data: TimelinePageData): Promise<string> {
  const [script, css] = await Promise.all([
    joinPageModules(['timeline.js', 'timeline-app.js']),
    readFile(new URL('./report.css', import.meta.url), 'utf8'),
  ])
  return scriptPage({ title: 'quorumlab timeline', style: css, dataId: 'timeline-data', data, scripts: [{ code: script, module: true }] })
}
