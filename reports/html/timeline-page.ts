/**
 * Renders a key's timeline page (`timeline-<key>.html`): one self-contained file, like
 * index.html (script-page.ts): the page data, the timeline script inlined, no network.
 * Every stored value is drawn as text.
 */
import type { ShownTimelineOp } from '../model-checks.ts'
import { renderScriptPage } from './script-page.ts'

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

export function renderTimelinePage(data: TimelinePageData): Promise<string> {
  return renderScriptPage({
    title: 'quorumlab timeline',
    styles: ['report.css'],
    app: ['timeline.js', 'timeline-app.js'],
    dataId: 'timeline-data',
    data,
  })
}
