/**
 * The self-contained pages with a script (the run report, the scenario matrix): one HTML
 * file that opens with no network. uPlot, its CSS, the page kit (page-kit.js) and the
 * page's own script are inlined; the page's data sits in a JSON script block with every
 * `<` escaped, and the scripts render it with textContent only, so a stored value is
 * always shown as text. A Content-Security-Policy allows exactly the inlined scripts (by
 * hash) and no network at all.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

export type ScriptPage = {
  title: string
  /** CSS files of this folder, inlined after uPlot's in this order. */
  styles: string[]
  /**
   * The page script: files of this folder (`// @ts-check` modules, the last reading
   * `dataId`), in dependency order, joined into one module by {@link joinPageModules}.
   */
  app: string[]
  /** Id of the JSON script block holding `data`. */
  dataId: string
  data: unknown
}

const files = new Map<string, Promise<string>>()

/** A file's text, read once; a script that could end its own <script> element is refused. */
function asset(url: string): Promise<string> {
  let text = files.get(url)
  if (!text) {
    text = readFile(fileURLToPath(url), 'utf8').then((code) => {
      if (url.endsWith('.js') && /<\/script|<!--/i.test(code)) throw new Error(`${url} cannot be inlined: it contains </script or <!--`)
      return code
    })
    files.set(url, text)
  }
  return text
}

const here = (name: string): string => new URL(`./${name}`, import.meta.url).href

/** `import { a } from './sibling.js'` lines (the only imports page modules may have). */
const SIBLING_IMPORT = /^import \{[^}]*\} from '\.\/[\w-]+\.js'\n/gm
const EXPORT = /^export (?=function |const )/gm

/**
 * Joins page modules (files of this folder, in dependency order) into one script text. Each
 * is type-checked on its own with real imports; joined, a module's `export` becomes a local
 * declaration and the imports of its siblings are dropped, so the page needs no loader.
 */
async function joinPageModules(names: readonly string[]): Promise<string> {
  const parts = await Promise.all(names.map((name) => asset(here(name))))
  const script = parts.map((code) => code.replace(SIBLING_IMPORT, '').replace(EXPORT, '')).join('\n')
  if (/^\s*(import|export) /m.test(script)) throw new Error(`${names.join(' + ')}: an import or export is left after joining`)
  return script
}

/** JSON that is safe as the text of a <script> element (and stays valid JSON). */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

export async function renderScriptPage(page: ScriptPage): Promise<string> {
  const [uplot, uplotCss, kit, app, ...styles] = await Promise.all([
    asset(import.meta.resolve('uplot/dist/uPlot.iife.min.js')),
    asset(import.meta.resolve('uplot/dist/uPlot.min.css')),
    asset(here('page-kit.js')),
    joinPageModules(page.app),
    ...page.styles.map((name) => asset(here(name))),
  ])
  const scripts = [uplot, kit, app].map(sha256).join(' ')
  const csp = ["default-src 'none'", `script-src ${scripts}`, "style-src 'unsafe-inline'", 'img-src data:'].join('; ')
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${page.title.replace(/[<&]/g, '')}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${[uplotCss, ...styles].join('\n')}</style>`,
    '</head>',
    '<body>',
    '<main id="app"></main>',
    `<script type="application/json" id="${page.dataId}">${scriptSafeJson(page.data)}</script>`,
    `<script>${uplot}</script>`,
    // Module scripts: their top-level names stay out of the page's globals, and they run in order, after uPlot's.
    `<script type="module">${kit}</script>`,
    `<script type="module">${app}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n')
}
