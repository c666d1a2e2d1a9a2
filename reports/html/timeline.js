// @ts-check
/*
 * Timelines of a key's history, drawn as SVG (inlined into index.html and timeline pages;
 * runs in the browser, no network): one lane per process, each op a bar from its invoke to
 * its complete, coloured by outcome, labelled with its function and value. Time is drawn in
 * order, not to scale: every invoke and complete instant gets an equal slot, so which ops
 * overlap is exact while idle seconds between millisecond ops take no room (the ticks say
 * the times). An info op has no known end: its bar runs to the end of the window, fading. Ops a violation names are
 * outlined; ops in the longest linearizable prefix (when the checker says) are marked. Every
 * value is set as SVG text content, never parsed as markup. Its one export is inlined as a
 * local function before the page script that uses it (see report-page.ts).
 */

/** @typedef {import('../model-checks.ts').ShownWindow} ShownWindow */
/** @typedef {import('../model-checks.ts').ShownTimelineOp} ShownTimelineOp */

const SVG = 'http://www.w3.org/2000/svg'
const LANE_HEIGHT = 26
const BAR_HEIGHT = 18
const LABEL_WIDTH = 90
const AXIS_HEIGHT = 26
const OUTCOME_COLORS = { ok: '#2e7d32', fail: '#c62828', info: '#ef8f00' }
/** Average width of a character of the bar labels, px (labels are cut to fit their bars). */
const CHAR_WIDTH = 6.2

/**
 * An SVG element with attributes.
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {string} [text] its text content
 * @returns {SVGElement}
 */
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value))
  if (text !== undefined) node.textContent = text
  return node
}

/**
 * Cuts a label to what fits in `width` px.
 * @param {string} label
 * @param {number} width
 */
function fit(label, width) {
  const chars = Math.floor((width - 6) / CHAR_WIDTH)
  if (chars <= 1) return ''
  return label.length > chars ? `${label.slice(0, chars - 1)}…` : label
}

/**
 * The x of each instant: instants in order, an equal slot each, after the lane labels.
 * @param {number[]} instants sorted, distinct, µs
 * @param {number} plot width of the drawing area, px
 * @returns {(t: number) => number}
 */
function ordinalScale(instants, plot) {
  const slot = plot / (instants.length + 1)
  return (t) => {
    let lo = 0
    let hi = instants.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (instants[mid] < t) lo = mid + 1
      else hi = mid
    }
    return LABEL_WIDTH + (lo + 0.5) * slot
  }
}

/**
 * Rows within each process's lane: ops of one process that overlap in time (the harness's
 * concurrent final reads share a process) go on rows of their own.
 * @param {ShownTimelineOp[]} ops
 * @param {number} stop where ops that never ended end
 * @returns {{ rowOf: number[], rows: Map<number, number> }} each op's row in its lane, and each lane's rows
 */
function stack(ops, stop) {
  /** @type {Map<number, number[]>} per process, where each row's last op ends */
  const ends = new Map()
  const rowOf = ops.map(() => 0)
  const order = ops.map((_, i) => i).sort((a, b) => ops[a].invoke - ops[b].invoke)
  for (const i of order) {
    const op = ops[i]
    const rows = ends.get(op.process) ?? []
    let row = rows.findIndex((end) => end < op.invoke)
    if (row < 0) row = rows.push(0) - 1
    rows[row] = op.complete ?? stop
    ends.set(op.process, rows)
    rowOf[i] = row
  }
  return { rowOf, rows: new Map([...ends].map(([p, rows]) => [p, rows.length])) }
}

/**
 * Draws a window of ops as a timeline, `width` px wide. Ops of another key than the
 * window's (a causal path crosses keys) say their key in their label.
 * @param {Pick<ShownWindow, 'key' | 'ops' | 'focus' | 'linearized'>} window
 * @param {number} width
 * @returns {SVGElement}
 */
export function drawTimeline(window, width) {
  const ops = window.ops
  const processes = [...new Set(ops.map((op) => op.process))].sort((a, b) => a - b)
  const instants = [...new Set(ops.flatMap((op) => (op.complete === null ? [op.invoke] : [op.invoke, op.complete])))].sort((a, b) => a - b)
  const plot = width - LABEL_WIDTH - 10
  const x = ordinalScale(instants, plot)
  // Past the last instant: where info ops, which never ended, run to.
  const stop = instants[instants.length - 1] + 1
  const { rowOf, rows } = stack(ops, stop)
  /** @type {Map<number, number>} the first row of each process's lane */
  const laneTop = new Map()
  let top = 0
  for (const p of processes) {
    laneTop.set(p, top)
    top += rows.get(p) ?? 1
  }
  const height = AXIS_HEIGHT + top * LANE_HEIGHT + 6
  const root = svg('svg', { class: 'timeline', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' })
  root.setAttribute('data-lanes', String(processes.length))
  root.setAttribute('data-ops', String(ops.length))
  const defs = svg('defs', {})
  const fade = svg('linearGradient', { id: `fade-${Math.random().toString(36).slice(2)}` })
  fade.appendChild(svg('stop', { offset: '0', 'stop-color': OUTCOME_COLORS.info, 'stop-opacity': '0.9' }))
  fade.appendChild(svg('stop', { offset: '1', 'stop-color': OUTCOME_COLORS.info, 'stop-opacity': '0.1' }))
  defs.appendChild(fade)
  root.appendChild(defs)
  // A tick every few instants, at least 90 px apart.
  const every = Math.max(1, Math.ceil(90 / (plot / (instants.length + 1))))
  for (let i = 0; i < instants.length; i += every) {
    const at = x(instants[i])
    root.appendChild(svg('line', { x1: at, x2: at, y1: AXIS_HEIGHT - 4, y2: height, stroke: '#eee' }))
    root.appendChild(
      svg('text', { x: at, y: AXIS_HEIGHT - 8, 'text-anchor': 'middle', class: 'tick' }, `${(instants[i] / 1000).toFixed(1)} ms`),
    )
  }
  for (const p of processes) {
    const y = AXIS_HEIGHT + (laneTop.get(p) ?? 0) * LANE_HEIGHT
    const lane = (rows.get(p) ?? 1) * LANE_HEIGHT
    root.appendChild(svg('text', { x: 4, y: y + LANE_HEIGHT / 2 + 4, class: 'lane' }, `process ${p}`))
    root.appendChild(svg('line', { x1: LABEL_WIDTH, x2: width, y1: y + lane, y2: y + lane, stroke: '#f0f0f0' }))
  }
  const focus = new Set(window.focus ?? [])
  const linearized = new Set(window.linearized ?? [])
  ops.forEach((op, i) => {
    const label = `${op.f}${op.key === window.key ? '' : ` ${op.key}:`} ${op.value}`
    const y = AXIS_HEIGHT + ((laneTop.get(op.process) ?? 0) + rowOf[i]) * LANE_HEIGHT
    root.appendChild(bar(op, label, x, y, stop, fade.id, focus, linearized))
  })
  return root
}

/**
 * One op's bar, label and tooltip.
 * @param {ShownTimelineOp} op
 * @param {string} label
 * @param {(t: number) => number} x
 * @param {number} y top of its lane
 * @param {number} stop end of the window, µs
 * @param {string} fadeId gradient of never-ended (info) ops
 * @param {Set<number>} focus
 * @param {Set<number>} linearized
 */
function bar(op, label, x, y, stop, fadeId, focus, linearized) {
  const x0 = x(op.invoke)
  const x1 = Math.max(x0 + 3, op.complete === null ? x(stop) : x(op.complete))
  const group = svg('g', { class: `op ${op.type}${focus.has(op.index) ? ' focus' : ''}`, 'data-index': op.index })
  const top = y + (LANE_HEIGHT - BAR_HEIGHT) / 2
  group.appendChild(
    svg('rect', {
      x: x0,
      y: top,
      width: x1 - x0,
      height: BAR_HEIGHT,
      rx: 3,
      fill: op.complete === null ? `url(#${fadeId})` : OUTCOME_COLORS[op.type],
      'fill-opacity': op.complete === null ? 1 : 0.85,
    }),
  )
  if (linearized.has(op.index)) group.appendChild(svg('circle', { cx: x0 + 4, cy: top + BAR_HEIGHT / 2, r: 3, class: 'linearized' }))
  group.appendChild(svg('text', { x: x0 + 3, y: top + BAR_HEIGHT - 5, class: 'label' }, fit(label, x1 - x0)))
  const ended = op.complete === null ? 'never completed (info)' : `${(op.complete / 1000).toFixed(3)} ms`
  group.appendChild(
    svg('title', {}, `#${op.index} process ${op.process} ${op.type} ${label}\n${(op.invoke / 1000).toFixed(3)} ms → ${ended}`),
  )
  return group
}
