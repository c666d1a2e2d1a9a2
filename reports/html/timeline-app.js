// @ts-check
/*
 * The script of a key's timeline page (timeline-<key>.html; inlined after timeline.js, runs
 * in the browser, no network): reads the page data from its JSON block, says which ops are
 * drawn, and draws them with drawTimeline at the page's width (again on resize).
 */
import { drawTimeline } from './timeline.js'

/** @typedef {import('./timeline-page.ts').TimelinePageData} TimelinePageData */

const block = document.getElementById('timeline-data')
const root = document.getElementById('app')
if (!block?.textContent || !root) throw new Error('the timeline page lacks its data block or its #app element')
/** @type {TimelinePageData} */
const data = JSON.parse(block.textContent)
document.title = `quorumlab · ${data.key} · ${data.run}`
const title = document.createElement('h1')
title.textContent = `Key ${data.key} · ${data.run}`
const note = document.createElement('p')
note.className = 'note'
note.textContent = data.note
const holder = document.createElement('div')
holder.className = 'timeline-holder scroll'
const part = document.createElement('section')
part.append(title, note, holder)
root.appendChild(part)
// Many ops get a wider timeline than the page, scrolled inside its holder, so bars stay readable.
const draw = () =>
  holder.replaceChildren(
    drawTimeline(
      { key: data.key, ops: data.ops, focus: data.focus },
      Math.max(480, holder.clientWidth, Math.min(16_000, data.ops.length * 28)),
    ),
  )
draw()
let pending = 0
window.addEventListener('resize', () => {
  cancelAnimationFrame(pending)
  pending = requestAnimationFrame(draw)
})
document.body.setAttribute('data-rendered', String(data.ops.length))
