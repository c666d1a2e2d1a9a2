// @ts-check
/*
 * What the report's time charts share (inlined before the page script like timeline.js):
 * the shading of fault periods, each labelled with its nemesis, and of the final reads; a
 * y range that the final reads' burst does not set; and legend values that show a summary
 * of the series (a total, a mean, the run's quantile) until a point is hovered, where
 * uPlot would show `--`. Labels are DOM text (textContent) over the plot, not canvas text.
 */

/** @typedef {import('./chart-data.ts').ChartData} ChartData */

const FAULT_FILL = 'rgba(198, 40, 40, 0.10)'
const FINAL_FILL = 'rgba(69, 90, 100, 0.13)'
/** Height of a row of period labels, px. */
const LABEL_ROW = 15

/**
 * The labelled periods a chart shades: each fault, in a row of its own where faults overlap
 * (a combination of nemeses), then the final reads.
 * @param {ChartData['periods']} periods
 * @param {ChartData['final']} final
 */
function shadedPeriods(periods, final) {
  /** @type {number[]} end of the last period in each row, s */
  const rowEnds = []
  const shaded = [...periods]
    .sort((a, b) => a.startS - b.startS)
    .map((p) => {
      let row = rowEnds.findIndex((end) => end <= p.startS)
      if (row < 0) row = rowEnds.push(p.stopS) - 1
      else rowEnds[row] = p.stopS
      return { startS: p.startS, stopS: p.stopS, label: p.nemesis, fill: FAULT_FILL, row, kind: 'fault' }
    })
  if (final) shaded.push({ ...final, label: 'final reads', fill: FINAL_FILL, row: 0, kind: 'final' })
  return shaded
}

/** @param {string} text @param {string} kind */
function periodLabel(text, kind) {
  const label = document.createElement('span')
  label.className = `period-label ${kind}`
  label.setAttribute('data-kind', kind)
  label.textContent = text
  return label
}

/** Width of the buckets of a per-second series, s. @param {number[]} seconds */
const bucketWidth = (seconds) => (seconds.length > 1 ? seconds[1] - seconds[0] : 1)

/**
 * The x scale of a per-second chart: each point stands for the bucket it starts, so the
 * scale runs to the end of the last bucket (where the final reads' bucket is shaded).
 * @param {number[]} seconds
 * @returns {uPlot.Scale}
 */
export function bucketScale(seconds) {
  const width = bucketWidth(seconds)
  return { time: false, range: (_u, min, max) => [min, max + width] }
}

/**
 * A uPlot plugin shading the fault periods and the final reads behind a time chart, with a
 * label naming each (`.period-label`, `data-kind` fault or final) at the top of its shading.
 * On a per-second chart (`seconds` given) the final reads shade the buckets they fall in.
 * @param {ChartData['periods']} periods
 * @param {ChartData['final']} final
 * @param {number[]} [seconds] the bucket starts of a per-second chart
 * @returns {uPlot.Plugin}
 */
export function periodShading(periods, final, seconds) {
  const width = seconds ? bucketWidth(seconds) : 0
  const finalShade =
    final && seconds ? { startS: Math.floor(final.startS / width) * width, stopS: (Math.floor(final.stopS / width) + 1) * width } : final
  const shaded = shadedPeriods(periods, finalShade)
  /** @type {HTMLElement[]} */
  const labels = []
  return {
    hooks: {
      drawClear: [
        (u) => {
          const ctx = u.ctx
          ctx.save()
          for (const p of shaded) {
            const x0 = Math.max(u.bbox.left, u.valToPos(p.startS, 'x', true))
            const x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(p.stopS, 'x', true))
            ctx.fillStyle = p.fill
            if (x1 > x0) ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height)
          }
          ctx.restore()
        },
      ],
      draw: [
        (u) => {
          if (labels.length === 0) for (const p of shaded) labels.push(u.over.appendChild(periodLabel(p.label, p.kind)))
          shaded.forEach((p, i) => {
            const x = u.valToPos(p.startS, 'x')
            const inside = u.valToPos(p.stopS, 'x') > 0 && x < u.over.clientWidth
            labels[i].style.display = inside ? '' : 'none'
            // Kept inside the plot: a period near the right edge has its label end there.
            const room = u.over.clientWidth - labels[i].offsetWidth - 2
            labels[i].style.left = `${Math.max(0, Math.min(x + 2, room))}px`
            labels[i].style.top = `${p.row * LABEL_ROW + 1}px`
          })
        },
      ],
    },
  }
}

/**
 * A y range from 0 that the buckets of the final reads (and after) leave out, so their
 * burst does not flatten the run; the burst is drawn, cut at the top.
 * @param {number[]} seconds bucket starts, s
 * @param {number[][]} columns the series
 * @param {ChartData['final']} final
 * @returns {uPlot.Range.Function}
 */
export function rangeBeforeFinal(seconds, columns, final) {
  const width = bucketWidth(seconds)
  let max = 0
  for (let i = 0; i < seconds.length; i++) {
    if (final && seconds[i] + width > final.startS) break
    for (const column of columns) max = Math.max(max, column[i] ?? 0)
  }
  return (_u, _min, dataMax) => [0, max > 0 ? max * 1.08 : Math.max(1, dataMax * 1.08)]
}

/**
 * A series' legend value: `summary` until a point is hovered, then the point's value.
 * @param {string} summary
 * @param {(value: number) => string} [format]
 * @returns {uPlot.Series.Value}
 */
export function legendValue(summary, format) {
  return (_u, value, _sidx, idx) =>
    idx === null || idx === undefined ? summary : value === null || value === undefined ? '–' : format ? format(value) : String(value)
}

/**
 * The x series of a time chart: its legend gives the seconds covered until hovered.
 * @param {number[]} seconds
 * @returns {uPlot.Series}
 */
export function secondsSeries(seconds) {
  const span = seconds.length > 0 ? `${seconds[0]}–${seconds[seconds.length - 1]}` : '–'
  return { label: 's', value: legendValue(span, (s) => String(Number(s.toFixed(3)))) }
}
