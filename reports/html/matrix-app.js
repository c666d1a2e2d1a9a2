// @ts-check
/*
 * The scenario matrix page's script (inlined into the matrix folder's index.html as a
 * module script, after uPlot and the page kit; no network). It reads the matrix data from
 * its JSON script block and builds the page with DOM calls only, every stored value set as
 * text: a header (date, seed, time, rate), small multiples of one measure against one axis
 * with a line per value of a second axis (the reader picks them), the cells side by side
 * (every check's verdict, every measure's mean and min–max), every run, every setting.
 * Measures and checks come from the data: a new one needs no change here.
 * Type-checked against the matrix data contract (`npm run typecheck`, reports/html/tsconfig.json).
 */

/** @typedef {import('../matrix-data.ts').MatrixData} MatrixData */
/** @typedef {MatrixData['cells'][number]} MatrixCell */
/** @typedef {MatrixData['measures'][number]} Measure */
/** @typedef {MatrixData['axes'][number]} Axis */
/** @typedef {import('../matrix-data.ts').Spread} Spread */
/** @typedef {import('../../common/contracts/checker.ts').CheckStatus} CheckStatus */

/** @type {import('./page-kit.js').PageKit} */
const { el, text, table, section, fmt } = /** @type {any} */ (globalThis).pageKit

const LINE_COLORS = ['#1565c0', '#c62828', '#2e7d32', '#ef8f00', '#6a1b9a', '#00838f', '#ad1457', '#4e342e', '#558b2f', '#283593']
const PANEL_HEIGHT = 230
/** Beyond this many panels the page draws the first ones and says so. */
const MAX_PANELS = 36

/** @type {Record<CheckStatus, string>} */
const CHECK_SYMBOL = { ok: '✓', violated: '✗', anomaly: '!', unknown: '?' }
/** @type {Record<MatrixCell['status'], string>} */
const STATUS_TEXT = {
  passed: 'passed',
  violated: 'VIOLATED',
  incomplete: 'incomplete',
  failed: 'failed',
  interrupted: 'interrupted',
  'not-run': 'not run',
}

/**
 * A measure's value (the unit, ms, is in the column header and the chart's note).
 * @param {number | null | undefined} value
 * @param {Measure['unit']} unit
 */
function formatValue(value, unit) {
  if (value === null || value === undefined) return '–'
  if (unit === 'fraction') return fmt.pct(value)
  if (unit === 'ms') return fmt.ms(value)
  if (unit === 'count') return fmt.count(Math.round(value * 100) / 100)
  return fmt.num(value)
}

/**
 * Tick labels of a chart's value axis, with as many decimals as the step between ticks needs.
 * @param {number[]} splits
 * @param {Measure['unit']} unit
 */
function tickLabels(splits, unit) {
  const scale = unit === 'fraction' ? 100 : 1
  const step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) * scale : 1
  const decimals = step > 0 ? Math.min(4, Math.max(0, -Math.floor(Math.log10(step)))) : 0
  return splits.map((v) => `${(v * scale).toFixed(decimals)}${unit === 'fraction' ? '%' : ''}`)
}

/** @param {Axis} axis @param {string} value */
const axisValue = (axis, value) => `${axis.name}=${value}`

/** @param {MatrixData} data */
function header(data) {
  const runs = data.cells.reduce((n, c) => n + c.runs.length, 0)
  const planned = data.cells.length * data.repeat
  const counts = new Map()
  for (const c of data.cells) counts.set(c.status, (counts.get(c.status) || 0) + 1)
  /** @param {number[]} values @param {string} unit */
  const span = (values, unit) =>
    values.length === 0
      ? '–'
      : values.length === 1
        ? `${values[0]}${unit}`
        : `${Math.min(...values)}–${Math.max(...values)}${unit} (varied)`
  const rate = data.rate.length === 1 && data.rate[0] === 0 ? 'closed loop' : span(data.rate, ' ops/s')
  const exitClass = data.exitCode === 0 ? 'pass' : data.exitCode === 1 ? 'fail' : 'incomplete'
  const exitText =
    data.exitCode === 0
      ? 'exit 0 · every run passed'
      : data.exitCode === 1
        ? 'exit 1 · a run violated a promised check'
        : 'exit 2 · a run incomplete, failed, interrupted or not made'
  const explicit = data.fixed.filter((f) => f.explicit)
  return el('header', {}, [
    el('h1', {}, [text('quorumlab matrix · '), el('span', { text: data.name })]),
    el('p', { class: `badge ${exitClass}`, text: exitText }),
    el('p', {
      class: 'config',
      id: 'matrix-facts',
      text: `run ${data.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} · seed ${data.seed} (repeat k runs with seed ${data.seed} + k − 1) · ${data.repeat} repeat${data.repeat === 1 ? '' : 's'} · time ${span(data.timeS, ' s')} after ${span(data.warmupS, ' s')} warm-up · rate ${rate} · ${data.cells.length} cells, ${runs} of ${planned} runs made`,
    }),
    el('p', {
      class: 'config',
      text: [...counts].map(([status, n]) => `${n} ${STATUS_TEXT[/** @type {MatrixCell['status']} */ (status)]}`).join(' · '),
    }),
    data.interrupted ? el('p', { class: 'warning', text: 'Interrupted (Ctrl-C): the cells not run are shown as such.' }) : null,
    explicit.length > 0 ? el('p', { class: 'config', text: `every cell: ${explicit.map((f) => `${f.flag} ${f.value}`).join(' ')}` }) : null,
    el('p', { class: 'config' }, [el('code', { text: data.command })]),
    data.skipped.length > 0
      ? el('details', {}, [
          el('summary', {
            text: `${data.skipped.length} ${data.skipped.length === 1 ? 'cell' : 'cells'} skipped: their flags are invalid together`,
          }),
          el(
            'ul',
            {},
            data.skipped.map((s) =>
              el('li', {
                text: `${Object.entries(s.config)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' ')}: ${s.reason}`,
              }),
            ),
          ),
        ])
      : null,
  ])
}

// ---- charts: small multiples ----

/** @type {uPlot[]} */
let plots = []

/**
 * Draws each point's min–max over repeats as a vertical whisker in its series' colour.
 * @param {(Spread | null)[][]} spreads per series (from 1), per x
 * @returns {uPlot.Plugin}
 */
function whiskers(spreads) {
  return {
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx
          ctx.save()
          ctx.lineWidth = 1.5 * devicePixelRatio
          for (let s = 1; s < u.series.length; s++) {
            const stroke = u.series[s].stroke
            ctx.strokeStyle = typeof stroke === 'string' ? stroke : '#555'
            for (const [i, spread] of (spreads[s] || []).entries()) {
              if (!spread || spread.runs < 2 || spread.min === spread.max) continue
              const x = u.valToPos(i, 'x', true)
              const y0 = u.valToPos(spread.min, 'y', true)
              const y1 = u.valToPos(spread.max, 'y', true)
              const cap = 4 * devicePixelRatio
              ctx.beginPath()
              ctx.moveTo(x, y0)
              ctx.lineTo(x, y1)
              ctx.moveTo(x - cap, y0)
              ctx.lineTo(x + cap, y0)
              ctx.moveTo(x - cap, y1)
              ctx.lineTo(x + cap, y1)
              ctx.stroke()
            }
          }
          ctx.restore()
        },
      ],
    },
  }
}

/**
 * Every combination of the given axes' values (each an object axis name -> value).
 * @param {Axis[]} axes
 * @returns {Record<string, string>[]}
 */
function combinations(axes) {
  /** @type {Record<string, string>[]} */
  let out = [{}]
  for (const axis of axes) out = out.flatMap((combo) => axis.values.map((v) => ({ ...combo, [axis.name]: v })))
  return out
}

/**
 * @param {MatrixData} data
 * @param {Record<string, string>} config
 */
const cellAt = (data, config) => data.cells.find((c) => Object.entries(config).every(([k, v]) => c.config[k] === v))

/**
 * One panel: the measure against `x`, a line per value of `lines` (or one line), for the cells matching `fixed`.
 * @param {MatrixData} data
 * @param {{ measure: Measure, x: Axis, lines: Axis | null, fixed: Record<string, string>, yRange: [number, number], index: number }} p
 */
function panel(data, p) {
  const lineValues = p.lines ? p.lines.values : ['']
  /** @type {(Spread | null)[][]} */
  const spreads = [[]]
  /** @type {uPlot.Series[]} */
  const series = [{ label: p.x.name }]
  /** @type {(number | null)[][]} */
  const ys = []
  for (const [j, value] of lineValues.entries()) {
    const points = p.x.values.map((xv) => {
      const config = { ...p.fixed, [p.x.name]: xv, ...(p.lines ? { [p.lines.name]: value } : {}) }
      return cellAt(data, config)?.measures[p.measure.id] ?? null
    })
    spreads.push(points)
    ys.push(points.map((s) => (s ? s.mean : null)))
    const color = LINE_COLORS[j % LINE_COLORS.length]
    series.push({
      label: p.lines ? axisValue(p.lines, value) : p.measure.label,
      stroke: color,
      width: 2,
      points: { show: true, size: 7, fill: color },
    })
  }
  const labels = p.x.values
  /** @type {uPlot.Options} */
  const options = {
    width: 400,
    height: PANEL_HEIGHT,
    legend: { show: false },
    plugins: [whiskers(spreads)],
    scales: { x: { time: false, range: [-0.4, labels.length - 0.6] }, y: { range: p.yRange } },
    axes: [
      {
        label: p.x.name,
        splits: () => labels.map((_, i) => i),
        values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
      },
      { size: 64, values: (_u, splits) => tickLabels(splits, p.measure.unit) },
    ],
    series,
  }
  const title = Object.entries(p.fixed)
    .map(([k, v]) => `${k}=${v}`)
    .join(' · ')
  const holder = el('div', {
    class: 'chart',
    id: `chart-panel-${p.index}`,
    'data-points': String(ys.flat().filter((y) => y !== null).length),
  })
  const figure = el('figure', { class: 'panel' }, [el('figcaption', { text: title || p.measure.label }), holder])
  return { figure, holder, options, columns: /** @type {uPlot.AlignedData} */ ([labels.map((_, i) => i), ...ys]) }
}

/**
 * The y range every panel shares, so panels compare: from 0 (or the lowest value) to a bit over the highest, whiskers included.
 * @param {MatrixData} data @param {Measure} measure @returns {[number, number]}
 */
function sharedRange(data, measure) {
  const spreads = data.cells.map((c) => c.measures[measure.id]).filter((s) => s !== null && s !== undefined)
  const lo = Math.min(0, ...spreads.map((s) => s.min))
  const hi = Math.max(...spreads.map((s) => s.max), lo)
  if (measure.unit === 'fraction') return [lo, Math.max(hi * 1.08, 0.01)]
  return [lo, hi > lo ? hi * 1.08 : lo + 1]
}

/**
 * Draws the small multiples for the picked measure and axes into `grid` (and the line legend into `legend`).
 * @param {MatrixData} data
 * @param {{ measure: string, x: string, lines: string }} pick
 * @param {HTMLElement} grid
 * @param {HTMLElement} legend
 */
function drawPanels(data, pick, grid, legend) {
  for (const plot of plots) plot.destroy()
  plots = []
  grid.replaceChildren()
  const measure = data.measures.find((m) => m.id === pick.measure) || data.measures[0]
  const x = data.axes.find((a) => a.name === pick.x) || data.axes[0]
  const lines = data.axes.find((a) => a.name === pick.lines && a !== x) || null
  const rest = data.axes.filter((a) => a !== x && a !== lines)
  const all = combinations(rest)
  const yRange = sharedRange(data, measure)
  const made = all.slice(0, MAX_PANELS).map((fixed, index) => panel(data, { measure, x, lines, fixed, yRange, index }))
  legend.replaceChildren(
    ...(lines
      ? lines.values.map((v, j) =>
          el('span', { class: 'swatch' }, [
            el('i', { style: `background:${LINE_COLORS[j % LINE_COLORS.length]}` }),
            text(axisValue(lines, v)),
          ]),
        )
      : []),
    el('span', {
      class: 'note',
      text: `${measure.label}${measure.unit === 'ms' ? ' (ms)' : ''} against ${x.name}; ${measure.better} is better. Points are means; whiskers span min–max over repeats.${all.length > MAX_PANELS ? ` Showing ${MAX_PANELS} of ${all.length} panels.` : ''}`,
    }),
  )
  for (const m of made) grid.appendChild(m.figure)
  for (const m of made) {
    m.options.width = Math.max(260, m.holder.clientWidth || 400)
    plots.push(new uPlot(m.options, m.columns, m.holder))
  }
}

/**
 * @param {string} label
 * @param {{ value: string, text: string }[]} options
 * @param {string} selected
 * @param {string} id
 */
function select(label, options, selected, id) {
  const node = /** @type {HTMLSelectElement} */ (el('select', { id }))
  for (const o of options) {
    const option = /** @type {HTMLOptionElement} */ (el('option', { value: o.value, text: o.text }))
    option.selected = o.value === selected
    node.appendChild(option)
  }
  return { node, field: el('label', {}, [text(`${label} `), node]) }
}

/** @param {MatrixData} data */
function chartsSection(data) {
  if (data.axes.length === 0) {
    return { node: section('Charts', 'charts', [], 'Nothing was varied: there is one cell, so there is nothing to chart.'), draw: () => {} }
  }
  const withValues = data.cells.flatMap((c) =>
    Object.entries(c.measures)
      .filter(([, s]) => s)
      .map(([id]) => id),
  )
  const initial = {
    measure: data.measures.find((m) => withValues.includes(m.id))?.id || data.measures[0].id,
    x: data.axes[0].name,
    lines: data.axes[1]?.name || '',
  }
  const measure = select(
    'measure',
    data.measures.map((m) => ({ value: m.id, text: m.label })),
    initial.measure,
    'pick-measure',
  )
  const x = select(
    'against',
    data.axes.map((a) => ({ value: a.name, text: a.name })),
    initial.x,
    'pick-x',
  )
  const lines = select(
    'a line per',
    [{ value: '', text: '(one line)' }, ...data.axes.map((a) => ({ value: a.name, text: a.name }))],
    initial.lines,
    'pick-lines',
  )
  const grid = el('div', { class: 'panels', id: 'panels' })
  const legend = el('div', { class: 'line-legend' })
  const redraw = () => drawPanels(data, { measure: measure.node.value, x: x.node.value, lines: lines.node.value }, grid, legend)
  for (const s of [measure, x, lines]) s.node.addEventListener('change', redraw)
  return {
    node: section(
      'Charts',
      'charts',
      [el('div', { class: 'controls' }, [measure.field, x.field, lines.field]), legend, grid],
      'Small multiples: one panel per combination of the axes not on the chart, every panel on the same scale.',
    ),
    draw: redraw,
  }
}

// ---- the cells side by side ----

/**
 * How bad a cell's mean is among the cells, 0 (best) to 1 (worst); null when all are equal or it has none.
 * @param {MatrixData} data @param {Measure} measure @param {Spread | null | undefined} spread
 */
function badness(data, measure, spread) {
  if (!spread) return null
  const means = data.cells.map((c) => c.measures[measure.id]?.mean).filter((v) => v !== undefined && v !== null)
  const lo = Math.min(...means)
  const hi = Math.max(...means)
  if (hi === lo) return null
  const share = (spread.mean - lo) / (hi - lo)
  return measure.better === 'low' ? share : 1 - share
}

/** @param {MatrixData} data @param {Measure} measure @param {Spread | null | undefined} spread */
function measureCell(data, measure, spread) {
  const td = el('td', { class: 'figure' }, [
    el('span', { class: 'mean', text: formatValue(spread?.mean, measure.unit) }),
    spread && spread.runs > 1 && spread.min !== spread.max
      ? el('span', { class: 'range', text: `${formatValue(spread.min, measure.unit)}–${formatValue(spread.max, measure.unit)}` })
      : null,
  ])
  const bad = badness(data, measure, spread)
  if (bad !== null) td.style.background = `rgba(198, 40, 40, ${(0.03 + 0.3 * bad).toFixed(3)})`
  return td
}

/** @param {MatrixCell} cell @param {string} name */
function checkCell(cell, name) {
  const check = cell.checks[name]
  if (!check) return el('td', { class: 'check none', text: '' })
  const runs = Object.values(check.counts).reduce((a, b) => a + (b || 0), 0)
  const worst = check.counts[check.status] || 0
  const counts = Object.entries(check.counts)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ')
  return el('td', {
    class: `check status ${check.status}${check.promised ? ' promised' : ''}`,
    title: `${name}: ${counts} (${check.promised ? 'promised' : 'not promised'})`,
    text: `${CHECK_SYMBOL[check.status]}${worst < runs ? worst : ''}`,
  })
}

/** The cell id, linked to its (first) run's report, then a link per repeat. @param {MatrixCell} cell */
function cellLinks(cell) {
  const reports = cell.runs.filter((r) => r.report)
  const first = reports[0]
  return el('td', { class: 'cell-id' }, [
    first ? el('a', { href: first.report, text: cell.id }) : text(cell.id),
    reports.length > 1
      ? el(
          'span',
          { class: 'repeats' },
          reports.map((r) => el('a', { href: r.report, text: String(r.repeat), title: `repeat ${r.repeat}, seed ${r.seed}` })),
        )
      : null,
  ])
}

/** @param {MatrixData} data */
function cellsSection(data) {
  const columns = 2 + data.axes.length + data.checks.length + data.measures.length
  const colgroup = el('colgroup', {}, [
    el('col', { class: 'w-id' }),
    ...data.axes.map(() => el('col', { class: 'w-axis' })),
    el('col', { class: 'w-status' }),
    ...data.checks.map(() => el('col', { class: 'w-check' })),
    ...data.measures.map(() => el('col', {})),
  ])
  const head = el('tr', {}, [
    el('th', { text: 'cell' }),
    ...data.axes.map((a) => el('th', { class: 'axis', text: a.name, title: a.flag })),
    el('th', { text: 'status' }),
    ...data.checks.map((c) => el('th', { class: `check-name ${c.kind}`, title: `${c.name} (${c.kind})` }, [el('span', { text: c.name })])),
    ...data.measures.map((m) => el('th', { class: 'measure', text: `${m.label}${m.unit === 'ms' ? ' (ms)' : ''}`, title: m.help })),
  ])
  const rows = data.cells.flatMap((cell) => {
    const row = el('tr', { class: `cell ${cell.status}`, id: `cell-${cell.id}` }, [
      cellLinks(cell),
      ...data.axes.map((a) => el('td', { class: 'axis', text: cell.config[a.name] })),
      el('td', {}, [el('span', { class: `run-status ${cell.status}`, text: STATUS_TEXT[cell.status] })]),
      ...data.checks.map((c) => checkCell(cell, c.name)),
      ...data.measures.map((m) => measureCell(data, m, cell.measures[m.id])),
    ])
    const failed = cell.runs.filter((r) => r.status === 'failed')
    return [
      row,
      ...failed.map((r) =>
        el('tr', { class: 'error-row' }, [
          el('td', { colspan: String(columns), text: `${cell.id} repeat ${r.repeat} failed: ${r.verdict}` }),
        ]),
      ),
    ]
  })
  const note =
    `Each row is a cell: ${data.repeat > 1 ? `the mean over its complete runs (up to ${data.repeat}), min–max below it` : 'its run'}. ` +
    `Check columns: ✓ ok, ✗ violated, ! anomaly (found, not promised), ? unknown; bold when promised; a number counts the runs with that result when repeats differ. ` +
    'Shading: the redder, the worse among the cells. The cell id opens its run report (with repeats, the numbers open each run).'
  return section('Cells', 'cells', [el('table', { class: 'cells' }, [colgroup, el('thead', {}, [head]), el('tbody', {}, rows)])], note)
}

/** @param {MatrixData} data */
function runsSection(data) {
  const rows = data.cells.flatMap((cell) =>
    cell.runs.map((r) => [
      cell.id,
      data.axes.map((a) => axisValue(a, cell.config[a.name])).join(' '),
      r.repeat,
      r.seed,
      el('span', { class: `run-status ${r.status}`, text: r.status }),
      r.report ? el('a', { href: r.report, text: r.folder || 'report' }) : r.folder,
      r.verdict,
    ]),
  )
  return el('section', { id: 'runs' }, [
    el('details', {}, [
      el('summary', { text: `Every run (${rows.length})` }),
      table(['cell', 'configuration', 'repeat', 'seed', 'status', 'run', 'verdict or error'], rows, 'runs'),
    ]),
  ])
}

/** Every flag of every cell, the varied ones first, in a box of its own that may scroll. @param {MatrixData} data */
function settingsSection(data) {
  const flags = data.cells[0]?.settings.map((s) => s.flag) || []
  const rows = data.cells.map((c) => [c.id, ...flags.map((f) => c.settings.find((s) => s.flag === f)?.value ?? '')])
  return el('section', { id: 'settings' }, [
    el('details', {}, [
      el('summary', { text: `Every setting of every cell (${flags.length} flags; the varied ones first)` }),
      el('div', { class: 'scroll' }, [table(['cell', ...flags], rows, 'settings')]),
      el('p', {
        class: 'note',
        text: `Not varied: ${data.fixed.map((f) => `${f.flag} ${f.value}${f.explicit ? ' (set)' : ''}`).join(' · ')}`,
      }),
    ]),
  ])
}

/** @param {MatrixData} data */
function legendSection(data) {
  return el('section', { id: 'legend' }, [
    el('details', {}, [
      el('summary', { text: 'What the measures and checks are' }),
      table(
        ['measure', 'unit', 'better', 'what it is'],
        data.measures.map((m) => [m.label, m.unit, m.better, m.help]),
      ),
      table(
        ['check', 'kind'],
        data.checks.map((c) => [c.name, c.kind]),
      ),
    ]),
  ])
}

// ---- page ----

const dataBlock = document.getElementById('matrix-data')
const root = document.getElementById('app')
if (!dataBlock?.textContent || !root) throw new Error('the matrix page lacks its data block or its #app element')
/** @type {MatrixData} */
const data = JSON.parse(dataBlock.textContent)
document.title = `quorumlab matrix · ${data.name}`
const charts = chartsSection(data)
for (const part of [header(data), charts.node, cellsSection(data), runsSection(data), settingsSection(data), legendSection(data)])
  root.appendChild(part)
charts.draw()
let pending = 0
window.addEventListener('resize', () => {
  cancelAnimationFrame(pending)
  pending = requestAnimationFrame(() => {
    for (const plot of plots) plot.setSize({ width: Math.max(260, plot.root.parentElement?.clientWidth || 400), height: PANEL_HEIGHT })
  })
})
document.body.setAttribute('data-rendered', String(plots.length))
