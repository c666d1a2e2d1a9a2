/** Plain-text tables for the terminal: the run summary's and the scenario matrix's. */

/**
 * A plain-text table: columns padded to their widest cell, two spaces apart; the first
 * `leftColumns` columns aligned left, the others (figures) right.
 */
export function textTable(header: string[], rows: string[][], leftColumns = 1): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)]
}
