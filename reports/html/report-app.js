// @ts-check
/*
 * The HTML report's page script (inlined into index.html as a module script, runs in the
 * browser, no network). It reads the report data from the JSON script block and builds the
 * page with DOM calls only: every stored value (keys, values, errors, names) is set as
 * textContent, never parsed as HTML. Charts are uPlot (canvas), inlined before this script.
 * Type-checked against the report data contract (`npm run typecheck`, reports/html/tsconfig.json).
 */

import { bucketScale, legendValue, periodShading, rangeBeforeFinal, secondsSeries } from './chart-kit.js'
import { faultWords } from './fault-words.js'
import { drawTimeline } from './timeline.js'

/** @typedef {import('./report-page.ts').ReportPageData} ReportPageData */
/** @typedef {ReportPageData['summary']} Summary */
/** @typedef {ReportPageData['charts']} Charts */
/** @typedef {Summary['verdict']['checks'][number]} Check */
/** @typedef {import('./chart-data.ts').ChartData['kHistogram']} Histogram */
/** @typedef {Omit<uPlot.Options, 'width' | 'height'>} ChartOptions */
/** @typedef {import('./page-kit.js').Cell} Cell */
/** @typedef {Summary['models'][number]} ModelDetails */

const COLORS = { ok: '#2e7d32', fail: '#c62828', info: '#ef8f00', p50: '#1565c0', p90: '#6a1b9a', p99: '#c62828', max: '#555' }
const NODE_COLORS = ['#1565c0', '#2e7d32', '#c62828', '#ef8f00', '#6a1b9a', '#00838f', '#ad1457', '#4e342e', '#558b2f', '#283593']
const CHART_HEIGHT = 280

// The page kit (page-kit.js, inlined before this script): DOM helpers that set text only, and number formats.
/** @type {import('./page-kit.js').PageKit} */
const { el, text, table, section, fmt } = /** @type {any} */ (globalThis).pageKit

// ---- charts ----

/** @type {{ holder: HTMLElement, options: ChartOptions, columns: uPlot.AlignedData, plot?: uPlot }[]} */
const made = []

/**
 * A chart's figure; the chart itself is drawn by renderCharts once the page is laid out.
 * @param {string} id
 * @param {string} title
 * @param {string | null} note
 * @param {ChartOptions} options
 * @param {uPlot.AlignedData} columns
 * @param {number} points how many points it draws (the browser test reads it)
 */
function chart(id, title, note, options, columns, points) {
  const holder = el('div', { class: 'chart', id, 'data-points': String(points) })
  const figure = el('figure', {}, [el('figcaption', { text: title }), note ? el('p', { class: 'note', text: note }) : null, holder])
  made.push({ holder, options, columns })
  return figure
}

function renderCharts() {
  for (const c of made) {
    const width = Math.max(320, c.holder.clientWidth || 800)
    // The y axis's top, kept on the holder for the browser test (the final reads' burst must not set it).
    const hooks = { draw: [(/** @type {uPlot} */ u) => c.holder.setAttribute('data-y-max', String(u.scales.y?.max ?? ''))] }
    c.plot = new uPlot({ width, height: CHART_HEIGHT, ...c.options, hooks }, c.columns, c.holder)
  }
  let pending = 0
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending)
    pending = requestAnimationFrame(() => {
      for (const c of made) c.plot?.setSize({ width: Math.max(320, c.holder.clientWidth), height: CHART_HEIGHT })
    })
  })
}

/** @type {uPlot.Axis} */
const secondsAxis = { label: 's since start', stroke: '#333' }
/** @type {uPlot.Scales} */
const timeScale = { x: { time: false } }
/** @type {('ok' | 'fail' | 'info')[]} */
const OUTCOME_NAMES = ['ok', 'fail', 'info']

/** @param {number} x */
const msText = (x) => `${fmt.ms(x)} ms`

/**
 * The fault periods and the final reads shaded and labelled.
 * @param {Charts} charts
 * @param {boolean} [perSecond] a chart of the per-second series (else of ops)
 */
const shading = (charts, perSecond) => periodShading(charts.periods, charts.final, perSecond ? charts.series.second : undefined)

/**
 * The legend of a per-second count: its total, and its mean per second before the final reads, until hovered.
 * @param {number[]} column
 * @param {number[]} seconds
 * @param {Charts['final']} final
 */
function perSecondLegend(column, seconds, final) {
  const total = column.reduce((sum, x) => sum + x, 0)
  const before = final ? seconds.filter((s) => s < Math.floor(final.startS)).length : column.length
  const mean = before > 0 ? column.slice(0, before).reduce((sum, x) => sum + x, 0) / before : null
  return legendValue(`${fmt.count(total)} in all · ${fmt.num(mean, 1)}/s in the run`, (x) => `${fmt.num(x, 1)}/s`)
}

/**
 * @param {string} label
 * @param {string} stroke
 * @param {uPlot.Series} [extra]
 * @returns {uPlot.Series}
 */
function line(label, stroke, extra) {
  return { label, stroke, width: 1.5, spanGaps: false, points: { show: false }, ...extra }
}

/**
 * @param {string} label
 * @param {string} color
 * @returns {uPlot.Series}
 */
function dots(label, color) {
  return { label, stroke: color, fill: color, paths: () => null, points: { show: true, size: 3, width: 0, fill: color, stroke: color } }
}

/**
 * @param {string} label
 * @param {string} color
 * @returns {uPlot.Series}
 */
function bars(label, color) {
  const paths = uPlot.paths.bars?.({ size: [0.8, 60] })
  return { label, stroke: color, fill: `${color}aa`, width: 1, paths, points: { show: false } }
}

/**
 * @param {string} id
 * @param {string} title
 * @param {string | null} note
 * @param {Histogram} bins
 * @param {string} label
 */
function histogramChart(id, title, note, bins, label) {
  const labels = bins.map((b) => (b.from === b.to ? String(b.from) : `${b.from}–${b.to}`))
  /** @type {ChartOptions} */
  const options = {
    scales: {
      x: { time: false, range: [-0.5, Math.max(0.5, bins.length - 0.5)] },
      y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.05)] },
    },
    axes: [
      { label, values: (_u, splits) => splits.map((i) => (Number.isInteger(i) && labels[i] !== undefined ? labels[i] : '')) },
      { label: 'reads', size: 70 },
    ],
    series: [
      { label, value: legendValue(labels.length ? `${labels[0]}–${labels[labels.length - 1]}` : '–', (i) => labels[i] ?? '–') },
      {
        ...bars('reads', '#1565c0'),
        value: legendValue(`${fmt.count(bins.reduce((sum, b) => sum + b.count, 0))} in all`, (x) => fmt.count(x)),
      },
    ],
  }
  return chart(id, title, note, options, [bins.map((_, i) => i), bins.map((b) => b.count)], bins.length)
}

// ---- page sections ----

/** @param {Summary} summary */
function header(summary) {
  const run = summary.run
  const exitClass = summary.exitCode === 0 ? 'pass' : summary.exitCode === 1 ? 'fail' : 'incomplete'
  // The badge is the exit code in a word; the verdict's reason beside it says why.
  const exitText = summary.exitCode === 0 ? 'exit 0 · valid' : summary.exitCode === 1 ? 'exit 1 · INVALID' : 'exit 2 · unknown'
  return el('header', {}, [
    el('h1', {}, [text('quorumlab · '), el('span', { text: summary.name })]),
    el('p', { class: 'verdict-line' }, [
      el('span', { class: `badge ${exitClass}`, text: exitText }),
      el('span', { class: 'reason', text: summary.verdict.reason }),
    ]),
    run
      ? el('p', {
          class: 'config',
          text: `${run.workload.name} (${run.workload.kind}, ${run.workload.keys} keys) · ${summary.store?.summary ?? ''} · nemesis ${run.nemeses.join(' + ') || 'none'} · ${run.timeS} s at ${run.rate || 'closed-loop'} ops/s, ${run.concurrency} clients · seed ${run.seed} · nodes ${run.nodes.join(', ')}`,
        })
      : el('p', { class: 'config', text: 'no run record in the history' }),
    el('p', {
      class: 'config',
      text: `${fmt.count(summary.history.ops)} ops · ${summary.history.completed ? 'run completed' : 'run did not complete'}${summary.history.malformed ? ` · ${fmt.count(summary.history.malformed)} malformed lines skipped` : ''} · analysed in ${summary.analysisSeconds.toFixed(2)} s`,
    }),
  ])
}

/**
 * One headline figure: what it is, its value, and how it compares (to the calm phases).
 * @param {string} id
 * @param {string} label
 * @param {string} value
 * @param {string | null} compare
 * @param {'bad' | 'warn' | null} [tone]
 */
function figure(id, label, value, compare, tone) {
  return el('div', { class: `figure${tone ? ` ${tone}` : ''}`, 'data-figure': id }, [
    el('div', { class: 'figure-label', text: label }),
    el('div', { class: 'figure-value', text: value }),
    compare ? el('div', { class: 'figure-compare', text: compare }) : null,
  ])
}

/** ok rate and p99 during faults against the calm phases (warmup and heal). @param {Summary} summary */
function faultFigures(summary) {
  const { fault, calm } = summary.headline
  if (!fault)
    return [
      figure('ok', 'ok rate', fmt.pct(calm.okRate), 'no op ran during a fault'),
      figure('p99', 'p99 latency', `${fmt.ms(calm.p99Ms)} ms`, 'no op ran during a fault'),
    ]
  const ratio = fault.p99Ms !== null && calm.p99Ms ? ` (${fmt.num(fault.p99Ms / calm.p99Ms, 1)}×)` : ''
  return [
    figure('ok', 'ok during faults', fmt.pct(fault.okRate), `calm ${fmt.pct(calm.okRate)}`),
    figure('p99', 'p99 during faults', `${fmt.ms(fault.p99Ms)} ms`, `calm ${fmt.ms(calm.p99Ms)} ms${ratio}`),
  ]
}

/** The stale-read figure: the measured phases, and faults against calm. @param {Summary} summary */
function staleFigure(summary) {
  if (summary.store?.versionMetadata === false) return figure('stale', 'stale reads', 'n/a', 'the store records no version metadata')
  const { fault, calm } = summary.headline
  const compare = fault ? `faults ${fmt.pct(fault.staleFraction)} · calm ${fmt.pct(calm.staleFraction)}` : `${fmt.count(calm.reads)} reads`
  const note = summary.staleness.note ? ' · counts dropped writes (see Staleness)' : ''
  return figure('stale', 'stale reads', fmt.pct(summary.staleness.staleFraction), compare + note)
}

/** The row of headline figures, above the verdict table. @param {Summary} summary */
function headlineSection(summary) {
  const sib = summary.siblings
  const conv = summary.convergence
  const lost = summary.verdict.checks.find((c) => c.name === 'no-lost-writes')
  const final = summary.verdict.checks.find((c) => c.name === 'final-reads-agree')
  const lostTone = lost && lost.violations > 0 ? (lost.promised ? 'bad' : 'warn') : null
  return el('section', { id: 'headline', class: 'figures' }, [
    ...faultFigures(summary),
    staleFigure(summary),
    figure(
      'siblings',
      'reads with siblings',
      fmt.pct(sib.reads ? sib.readsWithSiblings / sib.reads : null),
      `max ${fmt.num(sib.max)} values`,
    ),
    figure(
      'convergence',
      'convergence after heal',
      conv.waited ? (conv.converged ? `${fmt.num(conv.ms, 0)} ms` : 'did not converge') : 'not measured',
      final ? `${fmt.count(final.violations)} of ${fmt.count(final.checked)} keys disagree in final reads` : null,
      conv.waited && !conv.converged ? 'bad' : null,
    ),
    figure(
      'lost',
      'lost writes',
      lost && lost.valid !== 'unknown' ? fmt.count(lost.violations) : 'not checked',
      lost ? `of ${fmt.count(lost.checked)} ${lost.checkedWhat}${lost.promised ? ' · promised' : ' · not promised'}` : null,
      lostTone,
    ),
  ])
}

/** Longest why text shown unfolded in the verdict table, characters. */
const WHY_SHOWN = 48

/** A check's why, folded to its first words when long. @param {string} why */
function whyCell(why) {
  if (why.length <= WHY_SHOWN) return why
  const cut = why.lastIndexOf(' ', WHY_SHOWN)
  return el('details', { class: 'why' }, [el('summary', { text: `${why.slice(0, cut > 20 ? cut : WHY_SHOWN)}…` }), el('p', { text: why })])
}

/** @type {Record<Check['status'], string>} */
const STATUS_TEXT = { ok: 'ok', violated: 'VIOLATED', anomaly: 'anomaly found', unknown: 'unknown' }

/**
 * A check's examples, with the ops of each quoted from the history.
 * @param {Check} check
 */
function examplesOf(check) {
  const open = check.status === 'violated' || (check.promised && check.status === 'unknown')
  return el('details', { class: 'examples', open: open ? '' : null }, [
    el('summary', {
      text: `${check.name}: ${check.examples.length} example${check.examples.length === 1 ? '' : 's'} of ${fmt.count(check.violations)}`,
    }),
    ...check.examples.map((e) =>
      el('div', { class: 'example' }, [
        el('p', { text: e.summary }),
        table(
          ['role', '#', 'process', 'op', 'type', 'key', 'node', 'phase', 'invoke ms', 'complete ms', 'dot', 'value', 'error'],
          e.ops.map((o) => [
            o.role,
            o.index,
            o.process,
            o.f,
            o.type,
            o.key,
            o.node,
            o.phase,
            fmt.ms(o.invokeMs),
            fmt.ms(o.completeMs),
            o.dot,
            el('code', { text: o.value }),
            o.error,
          ]),
          'ops',
        ),
      ]),
    ),
  ])
}

/** The verdict table (one row per check, promised or not), then examples of each violation. @param {Summary} summary */
function verdictSection(summary) {
  const checks = summary.verdict.checks
  const rows = checks.map((c) => [
    c.name,
    c.promised ? 'yes' : 'no',
    el('span', { class: `status ${c.status}`, text: STATUS_TEXT[c.status] || c.status }),
    fmt.count(c.violations),
    c.valid === 'unknown' && c.checked === 0 ? '–' : `${fmt.count(c.checked)} ${c.checkedWhat}`,
    whyCell(c.valid === 'unknown' ? `${c.why} — ${c.reason}` : c.why),
  ])
  return section('Verdict', 'verdict', [
    table(['check', 'promised', 'result', 'violations', 'checked', 'why'], rows, 'verdict'),
    ...checks.filter((c) => c.examples.length > 0).map(examplesOf),
  ])
}

/**
 * Latency rows of summary.latency as table cells.
 * @param {Summary['latency']} rows
 * @param {boolean} perPhase
 * @returns {Cell[][]}
 */
function latencyRows(rows, perPhase) {
  return rows.map((l) => [
    l.from,
    l.f,
    l.outcome,
    ...(perPhase ? [l.phase] : []),
    fmt.count(l.count),
    ...(perPhase ? [] : [fmt.ms(l.meanMs)]),
    fmt.ms(l.p50Ms),
    fmt.ms(l.p90Ms),
    fmt.ms(l.p99Ms),
    fmt.ms(l.p999Ms),
    fmt.ms(l.maxMs),
  ])
}

/** @param {Summary} summary @param {Charts} charts */
function latencySection(summary, charts) {
  const s = charts.series
  const { scatter } = charts
  const all = summary.availability.find((a) => a.phase === 'all')
  const run = summary.latency.find((l) => l.from === 'intended' && l.f === 'all' && l.outcome === 'all' && l.phase === 'all')
  /** @param {string} label @param {string} color @param {number | undefined} runMs @param {uPlot.Series} [extra] */
  const quantile = (label, color, runMs, extra) => line(label, color, { ...extra, value: legendValue(`run ${fmt.ms(runMs)} ms`, msText) })
  return section('Latency', 'latency', [
    chart(
      'chart-latency-scatter',
      'Latency of every op (invoke to complete), log scale; faults shaded red and named, final reads grey',
      scatter.drawn < scatter.total
        ? `Drawing ${fmt.count(scatter.drawn)} of ${fmt.count(scatter.total)} ops: one point per outcome per screen cell. Every number on this page uses all ops.`
        : `${fmt.count(scatter.total)} ops.`,
      {
        mode: 1,
        plugins: [shading(charts)],
        scales: { y: { distr: 3 }, ...timeScale },
        axes: [secondsAxis, { label: 'ms', size: 70 }],
        series: [
          secondsSeries(scatter.x),
          ...OUTCOME_NAMES.map((o) => ({ ...dots(o, COLORS[o]), value: legendValue(`${fmt.count(all?.[o])} ops`, msText) })),
        ],
        cursor: { points: { show: false } },
      },
      [scatter.x, scatter.ok, scatter.fail, scatter.info],
      scatter.drawn,
    ),
    chart(
      'chart-latency-quantiles',
      'Latency quantiles per second, from intended time (includes queueing: no coordinated omission), log scale',
      null,
      {
        plugins: [shading(charts, true)],
        scales: { y: { distr: 3 }, x: bucketScale(s.second) },
        axes: [secondsAxis, { label: 'ms', size: 70 }],
        series: [
          secondsSeries(s.second),
          quantile('p50', COLORS.p50, run?.p50Ms),
          quantile('p90', COLORS.p90, run?.p90Ms),
          quantile('p99', COLORS.p99, run?.p99Ms),
          quantile('max', COLORS.max, run?.maxMs, { dash: [4, 4] }),
        ],
      },
      [s.second, s.p50, s.p90, s.p99, s.max],
      s.second.length,
    ),
    table(
      ['from', 'op', 'outcome', 'count', 'mean ms', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms'],
      latencyRows(
        summary.latency.filter((l) => l.phase === 'all'),
        false,
      ),
    ),
    el('details', {}, [
      el('summary', { text: 'per phase' }),
      table(
        ['from', 'op', 'outcome', 'phase', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms'],
        latencyRows(
          summary.latency.filter((l) => l.phase !== 'all'),
          true,
        ),
      ),
    ]),
  ])
}

/** @param {Summary} summary @param {Charts} charts */
function throughputSection(summary, charts) {
  const s = charts.series
  return section('Throughput and availability', 'throughput', [
    chart(
      'chart-throughput',
      'Ops per second by outcome (by invoke time); faults shaded red and named, final reads grey',
      null,
      {
        plugins: [shading(charts, true)],
        scales: { x: bucketScale(s.second), y: { range: rangeBeforeFinal(s.second, [s.ok, s.fail, s.info], charts.final) } },
        axes: [secondsAxis, { label: 'ops/s', size: 70 }],
        series: [
          secondsSeries(s.second),
          ...OUTCOME_NAMES.map((o) => line(o, COLORS[o], { value: perSecondLegend(s[o], s.second, charts.final) })),
        ],
      },
      [s.second, s.ok, s.fail, s.info],
      s.second.length,
    ),
    table(
      ['phase', 'ops', 'ok', 'fail', 'info', 'errors'],
      summary.availability.map((a) => [
        a.phase,
        fmt.count(a.ops),
        fmt.pct(a.okRate),
        fmt.pct(a.failRate),
        fmt.pct(a.infoRate),
        Object.entries(a.errors)
          .map(([e, n]) => `${e}: ${fmt.count(n)}`)
          .join(', ') || '–',
      ]),
    ),
  ])
}

/** @param {Summary} summary @param {Charts} charts */
function stalenessSection(summary, charts) {
  if (summary.store?.versionMetadata === false) {
    const why = `Not applicable: the ${summary.store.name} store records no version metadata (dots, contexts), so a read cannot be matched to the writes it missed. The consistency models judge it from values.`
    return section('Staleness', 'staleness', [], why)
  }
  const s = charts.series
  const st = summary.staleness
  const measured = `${st.phases.join(', ')} phases`
  const vis = charts.visibility.filter((b) => b.reads > 0)
  const visX = vis.map((b) => (b.toMs === null ? b.fromMs * 1.5 : b.fromMs === 0 ? b.toMs / 2 : Math.sqrt(b.fromMs * b.toMs)))
  const note =
    `${fmt.pct(st.staleFraction)} of ${fmt.count(st.reads)} reads (${measured}) were stale; mean k ${fmt.num(st.meanK)}, p99 k ${fmt.num(st.p99K)}, max k ${fmt.num(st.maxK)}. The final reads after the heal are only in the per-phase table.` +
    (st.readsWithoutContext ? ` ${fmt.count(st.readsWithoutContext)} ok reads had no usable context and are not counted.` : '')
  /** @type {Cell[][]} */
  const rows = st.byPhase.map((p) => [p.phase, fmt.count(p.reads), fmt.pct(p.staleFraction), fmt.num(p.meanK)])
  rows.push([`measured (${st.phases.join(', ')})`, fmt.count(st.reads), fmt.pct(st.staleFraction), fmt.num(st.meanK)])
  const sawLatest = fmt.pct(summary.visibility.reads ? summary.visibility.saw / summary.visibility.reads : null)
  const visibilityNote = `${fmt.count(summary.visibility.reads)} reads (${measured}) had an earlier acknowledged write to their key; ${sawLatest} saw the latest one.`
  return section(
    'Staleness',
    'staleness',
    [
      st.note ? el('p', { class: 'caveat', id: 'staleness-note', text: `Note: ${st.note}.` }) : null,
      chart(
        'chart-staleness',
        'Stale reads per second (fraction, left) and mean k (right); faults shaded red and named, final reads grey',
        null,
        {
          plugins: [shading(charts, true)],
          scales: { y: { range: [0, 1] }, k: { range: (_u, _min, max) => [0, Math.max(1, max)] }, x: bucketScale(s.second) },
          axes: [
            secondsAxis,
            { label: 'stale fraction', size: 60 },
            { scale: 'k', side: 1, label: 'mean k', grid: { show: false }, size: 60 },
          ],
          series: [
            secondsSeries(s.second),
            line('stale fraction', '#c62828', { value: legendValue(`${fmt.pct(st.staleFraction)} measured`, (x) => fmt.pct(x)) }),
            line('mean k', '#1565c0', { scale: 'k', value: legendValue(`${fmt.num(st.meanK)} measured`, (x) => fmt.num(x)) }),
          ],
        },
        [s.second, s.staleFraction, s.meanK],
        s.second.length,
      ),
      chart(
        'chart-visibility',
        't-visibility: P(read saw the latest acknowledged write | ms since it was acknowledged), log scale',
        visibilityNote,
        {
          scales: { x: { time: false, distr: 3 }, y: { range: [0, 1] } },
          axes: [{ label: 'ms since the latest write was acknowledged' }, { label: 'P(saw it)', size: 60 }],
          series: [
            {
              label: 'ms',
              value: legendValue(
                vis.length ? `${fmt.ms(vis[0].fromMs)}–${fmt.ms(vis[vis.length - 1].toMs ?? vis[vis.length - 1].fromMs)}` : '–',
                msText,
              ),
            },
            line('P(saw)', '#1565c0', { points: { show: true, size: 5 }, value: legendValue(`${sawLatest} overall`, (x) => fmt.pct(x)) }),
          ],
        },
        [visX, vis.map((b) => b.probability)],
        vis.length,
      ),
      histogramChart(
        'chart-k-histogram',
        `k-staleness of reads (acknowledged writes the read missed), ${measured}`,
        null,
        charts.kHistogram,
        'k',
      ),
      table(['phase', 'reads', 'stale', 'mean k'], rows),
    ],
    note,
  )
}

/** @param {Summary} summary @param {Charts} charts */
function siblingsSection(summary, charts) {
  const sib = summary.siblings
  return section('Siblings', 'siblings', [
    histogramChart(
      'chart-sibling-histogram',
      'Values per read (2+: concurrent writes kept as siblings)',
      `${fmt.pct(sib.reads ? sib.readsWithSiblings / sib.reads : null)} of ${fmt.count(sib.reads)} reads returned siblings; max ${fmt.num(sib.max)}.`,
      charts.siblingHistogram,
      'values returned',
    ),
  ])
}

/** @typedef {Extract<Summary['pbs'], { kind: 'fitted' }>['phases'][number]} PbsPhase */

/**
 * One phase's predicted and observed t-visibility, over the same reads.
 * @param {PbsPhase} p
 */
function pbsChart(p) {
  const x = p.buckets.map((b) => (b.toMs === null ? b.fromMs * 1.5 : b.fromMs === 0 ? b.toMs / 2 : Math.sqrt(b.fromMs * b.toMs)))
  const exact = p.prediction.kind !== 'sampled'
  const span = x.length ? `${fmt.ms(p.buckets[0].fromMs)}–${fmt.ms(p.buckets[x.length - 1].toMs ?? p.buckets[x.length - 1].fromMs)}` : '–'
  /** @type {uPlot.Series[]} */
  const series = [
    { label: 'ms', value: legendValue(span, msText) },
    line('observed', '#1565c0', {
      points: { show: true, size: 5 },
      value: legendValue(`${fmt.pct(p.observed)} overall`, (v) => fmt.pct(v)),
    }),
  ]
  /** @type {(number | null)[][]} */
  const columns = [p.buckets.map((b) => b.observed)]
  if (!exact) {
    const overall = p.prediction.kind === 'sampled' ? `${fmt.pct(p.prediction.predicted)} overall` : 'not predicted'
    series.push(
      line('predicted (WARS)', '#ef8f00', {
        dash: [6, 4],
        points: { show: true, size: 4 },
        value: legendValue(overall, (v) => fmt.pct(v)),
      }),
    )
    columns.push(p.buckets.map((b) => b.predicted))
  }
  const title = exact
    ? `${p.phase}: observed t-visibility (the prediction is exactly 1 at every t, not drawn)`
    : `${p.phase}: t-visibility predicted from the timed latencies (dashed) and observed, over the same reads; log scale`
  return chart(
    `chart-pbs-${p.phase}`,
    title,
    p.reason,
    {
      scales: { x: { time: false, distr: 3 }, y: { range: [0, 1] } },
      axes: [{ label: 'ms since the latest write was acknowledged' }, { label: 'P(saw it)', size: 60 }],
      series,
    },
    [x, ...columns],
    x.length,
  )
}

/** @param {Summary} summary */
function pbsSection(summary) {
  const pbs = summary.pbs
  if (pbs.kind !== 'fitted')
    return section('Predicted staleness (PBS)', 'pbs', [el('p', { class: 'note', text: `No prediction: ${pbs.reason}.` })])
  const note =
    `The WARS model (Bailis et al., VLDB 2012) fed with the one-way latencies of the replica calls the nodes timed (W write, A ack, R read, S response), per phase, ` +
    `N=${pbs.n} R=${pbs.r} W=${pbs.w}, coordinators that are replicas, ${fmt.count(pbs.trials)} trials, seed ${pbs.seed}. ` +
    'Calm: no fault active between a write and the read; the model assumes no faults, so only calm reads are expected to agree.' +
    (pbs.missing.length ? ` Not timed (down at the end): ${pbs.missing.join(', ')}.` : '')
  /** @param {PbsPhase['legs'][keyof PbsPhase['legs']]} leg */
  const legText = (leg) => (leg ? `${fmt.ms(leg.p50Ms)} / ${fmt.ms(leg.p99Ms)} (${fmt.count(leg.samples)})` : '–')
  /** @type {Cell[][]} */
  const rows = pbs.phases.map((p) => [
    p.phase,
    fmt.count(p.reads),
    fmt.pct(p.observed),
    p.prediction.kind === 'sampled' ? fmt.pct(p.prediction.predicted) : p.prediction.kind === 'exact' ? '100% (exact)' : '–',
    p.gap === null ? '–' : `${p.gap >= 0 ? '+' : ''}${fmt.num(p.gap * 100, 1)} pts (±${fmt.num(p.tolerance * 100, 1)})`,
    el('span', {
      class: `status ${p.agreement === 'agree' ? 'ok' : p.agreement === 'differ' ? 'violated' : 'unknown'}`,
      text: p.agreement,
    }),
    fmt.ms(p.observed99Ms),
    p.prediction.kind === 'sampled' ? fmt.ms(p.prediction.predicted99Ms) : p.prediction.kind === 'exact' ? '0' : '–',
    p.worstBucket
      ? `${p.worstBucket.gap >= 0 ? '+' : ''}${fmt.num(p.worstBucket.gap * 100, 1)} pts at ${fmt.num(p.worstBucket.fromMs)}–${p.worstBucket.toMs === null ? '' : fmt.num(p.worstBucket.toMs)} ms`
      : '–',
    fmt.pct(p.sameCoordinator),
  ])
  /** @type {Cell[][]} */
  const legRows = pbs.phases.map((p) => [
    p.phase,
    legText(p.legs.write),
    legText(p.legs.ack),
    legText(p.legs.read),
    legText(p.legs.response),
  ])
  return section(
    'Predicted staleness (PBS)',
    'pbs',
    [
      table(
        [
          'phase',
          'reads',
          'saw latest',
          'predicted',
          'observed − predicted',
          'agreement',
          '99% seen from, ms',
          '99% predicted from, ms',
          'widest bucket gap',
          'same coordinator',
        ],
        rows,
        'pbs',
      ),
      ...pbs.phases.map((p) => pbsChart(p)),
      table(['phase', 'W p50 / p99 ms (samples)', 'A', 'R', 'S'], legRows),
    ],
    note,
  )
}

/** @param {Charts} charts */
function loadSection(charts) {
  const s = charts.series
  return section('Load per node', 'load', [
    chart(
      'chart-node-load',
      'Requests per second sent to each node; faults shaded red and named, final reads grey',
      null,
      {
        plugins: [shading(charts, true)],
        scales: { x: bucketScale(s.second), y: { range: rangeBeforeFinal(s.second, s.perNode, charts.final) } },
        axes: [secondsAxis, { label: 'requests/s', size: 70 }],
        series: [
          secondsSeries(s.second),
          ...charts.nodes.map((n, i) =>
            line(n, NODE_COLORS[i % NODE_COLORS.length], { value: perSecondLegend(s.perNode[i], s.second, charts.final) }),
          ),
        ],
      },
      [s.second, ...s.perNode],
      s.second.length * charts.nodes.length,
    ),
    table(
      ['node', 'requests sent', 'coordinated', 'ok', 'fail', 'info'],
      charts.load.map((l) => [l.node, fmt.count(l.sent), fmt.count(l.coordinated), fmt.count(l.ok), fmt.count(l.fail), fmt.count(l.info)]),
    ),
  ])
}

/**
 * The lost-write, convergence, drop-rate and history figures.
 * @param {Summary} summary
 * @returns {Cell[][]}
 */
function measureRows(summary) {
  const lw = summary.lostWrites
  const conv = summary.convergence
  const drops = summary.drops
  /** @param {string} name */
  const check = (name) => summary.verdict.checks.find((c) => c.name === name)
  const lost = check('no-lost-writes')
  const final = check('final-reads-agree')
  const replicas = check('replicas-hold-writes')
  return [
    [
      'lost writes',
      lw && lost
        ? `${fmt.count(lost.violations)} of ${fmt.count(lost.checked)} ${lost.checkedWhat} (${fmt.count(lw.shown)} shown by final reads, ${fmt.count(lw.superseded)} superseded; ${fmt.count(lw.unchecked)} more to keys without one, unchecked)`
        : `not checked: ${lost?.reason ?? 'no such check'}`,
    ],
    ['dot collisions (vv)', lw ? fmt.count(lw.dotCollisions) : '–'],
    ['dots issued again (a node counting again)', lw ? fmt.count(lw.reissuedDots) : '–'],
    ['recovered info adds (set)', lw ? fmt.count(lw.recovered) : '–'],
    [
      'convergence after the final heal',
      conv.waited ? `${conv.converged ? 'converged' : 'did not converge'} in ${fmt.num(conv.ms, 0)} ms` : 'not measured',
    ],
    ['final reads', `${fmt.count(conv.finalReads)} over ${fmt.count(final?.checked)} keys; ${fmt.count(final?.violations)} keys disagree`],
    [
      'acknowledged writes on every home replica',
      replicas && replicas.checked > 0
        ? `${fmt.count(replicas.violations)} of ${fmt.count(replicas.checked)} ${replicas.checkedWhat} missing (a replica's own copy holds neither the write nor one that follows it)`
        : `not checked: ${replicas?.reason ?? 'no such check'}`,
    ],
    [
      'drop rate',
      drops
        ? `${fmt.pct(drops.achievedRate)} achieved (${fmt.count(drops.dropped)} of ${fmt.count(drops.messages)} messages) for ${fmt.pct(drops.probability)} asked`
        : 'no drop nemesis',
    ],
    [
      'history',
      `${fmt.count(summary.history.records)} records, ${fmt.count(summary.history.bytes)} bytes, ${fmt.count(summary.history.badContexts)} undecodable contexts`,
    ],
  ]
}

/** @param {Summary} summary */
function faultsSection(summary) {
  return section('Faults, lost writes and convergence', 'faults', [
    table(
      ['nemesis', 'from s', 'to s', 'what'],
      summary.nemesis.map((p) => [
        p.nemesis,
        fmt.num(p.startMs / 1000, 1),
        `${fmt.num(p.stopMs / 1000, 1)}${p.stopped ? '' : ' (still on)'}`,
        faultWords(p),
      ]),
    ),
    table(['measure', 'value'], measureRows(summary)),
  ])
}

// ---- consistency models ----

/** @type {{ holder: HTMLElement, window: ModelDetails['windows'][number] }[]} */
const timelines = []

/** Draws every timeline at its holder's width (once the page is laid out), and again on resize. */
function renderTimelines() {
  const draw = () => {
    for (const t of timelines) t.holder.replaceChildren(drawTimeline(t.window, Math.max(480, t.holder.clientWidth)))
  }
  draw()
  let pending = 0
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending)
    pending = requestAnimationFrame(draw)
  })
}

/**
 * One model: its result in a sentence, then each failing window as a timeline.
 * @param {Check} check
 * @param {ModelDetails | undefined} details
 */
function modelPart(check, details) {
  const keys = details
    ? ` over ${fmt.count(details.keys.valid + details.keys.invalid + details.keys.unknown)} keys (${fmt.count(details.keys.invalid)} with a violation)`
    : ''
  const result =
    check.valid === 'unknown'
      ? `unknown: ${check.reason}`
      : check.checked === 0
        ? `holds vacuously: no ${check.checkedWhat.replace(/^reads/, 'read')}`
        : check.valid
          ? `holds: ${fmt.count(check.checked)} ${check.checkedWhat} checked${keys}, no violation`
          : `${fmt.count(check.violations)} of ${fmt.count(check.checked)} ${check.checkedWhat} violate it${keys}`
  const windows = details?.windows ?? []
  return el('div', { class: 'model', id: `model-${check.name}` }, [
    el('h3', {}, [
      text(`${check.name} · `),
      el('span', { class: `status ${check.status}`, text: STATUS_TEXT[check.status] || check.status }),
    ]),
    el('p', { class: 'note', text: `${check.promised ? 'promised' : 'not promised'}: ${check.why}. ${result}.` }),
    ...windows.map((w, i) => {
      const holder = el('div', { class: 'timeline-holder' })
      timelines.push({ holder, window: w })
      return el('figure', { class: 'window' }, [
        el('figcaption', { text: `Failing window ${i + 1} of ${windows.length}, key ${w.key}: ${w.ops.length} ops` }),
        el('p', { class: 'note', text: w.explanation }),
        holder,
      ])
    }),
  ])
}

/** The consistency models judged from values: a part per model. @param {Summary} summary */
function modelsSection(summary) {
  const checks = summary.verdict.checks.filter((c) => c.kind === 'model')
  if (checks.length === 0) return null
  const details = new Map(summary.models.map((m) => [m.name, m]))
  return section(
    'Consistency models',
    'models',
    checks.map((c) => modelPart(c, details.get(c.name))),
    'Judged from the values clients saw alone (every write writes a unique value), trusting nothing the store reports. A timeline has one lane per process; each op is a bar from invoke to complete (green ok, red fail, orange info: it never completed, so it may take effect any time after its start); the ops the explanation names are outlined. Time runs in order, not to scale: each invoke and complete gets the same room, so overlaps are exact and idle gaps take none.',
  )
}

// ---- page ----

const dataBlock = document.getElementById('report-data')
const root = document.getElementById('app')
if (!dataBlock?.textContent || !root) throw new Error('the report page lacks its data block or its #app element')
/** @type {ReportPageData} */
const { summary, charts } = JSON.parse(dataBlock.textContent)
document.title = `quorumlab · ${summary.name}`
for (const part of [
  header(summary),
  headlineSection(summary),
  verdictSection(summary),
  modelsSection(summary),
  latencySection(summary, charts),
  throughputSection(summary, charts),
  stalenessSection(summary, charts),
  pbsSection(summary),
  siblingsSection(summary, charts),
  loadSection(charts),
  faultsSection(summary),
])
  if (part) root.appendChild(part)
renderCharts()
renderTimelines()
document.body.setAttribute('data-rendered', String(made.length))
