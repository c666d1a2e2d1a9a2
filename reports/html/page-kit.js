// @ts-check
/*
 * The page kit: what every self-contained page script (the run report's, the matrix's)
 * builds its page with. Inlined as a module script before the page's own, it puts itself
 * on `globalThis.pageKit`. DOM helpers set stored values as textContent only, never as
 * HTML; number formats show null and undefined as a dash.
 */

/** @typedef {string | number | Node | null | undefined} Cell */

/**
 * An element with attributes (`text` sets textContent, `class` the class name; null and
 * undefined are left out) and children.
 * @param {string} tag
 * @param {Record<string, string | null | undefined>} [attrs]
 * @param {(Node | null | undefined)[]} [children]
 * @returns {HTMLElement}
 */
function el(tag, attrs, children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue
    if (name === 'text') node.textContent = value
    else if (name === 'class') node.className = value
    else node.setAttribute(name, value)
  }
  for (const child of children || []) if (child !== null && child !== undefined) node.appendChild(child)
  return node
}

/** @param {string | number} value */
const text = (value) => document.createTextNode(String(value))

/**
 * @param {string[]} header
 * @param {Cell[][]} rows
 * @param {string} [className]
 */
function table(header, rows, className) {
  return el('table', { class: className || '' }, [
    el('thead', {}, [
      el(
        'tr',
        {},
        header.map((h) => el('th', { text: h })),
      ),
    ]),
    el(
      'tbody',
      {},
      rows.map((row) =>
        el(
          'tr',
          {},
          row.map((cell) =>
            cell instanceof Node ? el('td', {}, [cell]) : el('td', { text: cell === null || cell === undefined ? '–' : String(cell) }),
          ),
        ),
      ),
    ),
  ])
}

/**
 * @param {string} title
 * @param {string} id
 * @param {(Node | null)[]} children
 * @param {string} [note]
 */
function section(title, id, children, note) {
  return el('section', { id }, [el('h2', { text: title }), note ? el('p', { class: 'note', text: note }) : null, ...children])
}

/** Number formats; null and undefined show as a dash. */
const fmt = {
  /** @param {number | null | undefined} x */
  count: (x) => (x === null || x === undefined ? '–' : Number(x).toLocaleString('en-US')),
  /** @param {number | null | undefined} x milliseconds */
  ms: (x) => (x === null || x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3)),
  /** @param {number | null | undefined} x a fraction */
  pct: (x) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`),
  /** @param {number | null | undefined} x @param {number} [d] decimals */
  num: (x, d) => (x === null || x === undefined ? '–' : Number.isInteger(x) ? String(x) : x.toFixed(d === undefined ? 2 : d)),
}

const kit = { el, text, table, section, fmt }
/** @typedef {typeof kit} PageKit */
Object.assign(globalThis, { pageKit: kit })
