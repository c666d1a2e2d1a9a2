/**
 * Self-contained script pages (index.html, timeline pages): their browser modules
 * (timeline.js, report-app.js...) joined into one inline module script, and the page around
 * it: the data in a JSON script block with every `<` escaped, and a Content-Security-Policy
 * that allows exactly the page's inline scripts (by hash) and no network. Each module is
 * type-checked on its own with real imports; joined, a module's `export` becomes a local
 * declaration and the imports of its siblings are dropped, so the page needs no loader.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'

/** `import { a } from './sibling.js'` lines (the only imports page modules may have). */
const SIBLING_IMPORT = /^import \{[^}]*\} from '\.\/[\w-]+\.js'\n/gm
const EXPORT = /^export (?=function |const )/gm

/** Joins the modules (files beside this one, in dependency order) into one script text. */
export async function joinPageModules(names: readonly string[]): Promise<string> {
  const parts = await Promise.all(names.map((name) => readFile(new URL(`./${name}`, import.meta.url), 'utf8')))
  const script = parts.map((code) => code.replace(SIBLING_IMPORT, '').replace(EXPORT, '')).join('\n')
  if (/^\s*(import|export) /m.test(script)) throw new Error(`${names.join(' + ')}: an import or export is left after joining`)
  // Inlined script text must not be able to end its own <script> element.
  if (/<\/script|<!--/i.test(script)) throw new Error(`${names.join(' + ')} cannot be inlined: it contains </script or <!--`)
  return script
}

/** JSON that is safe as the text of a <script> element (and stays valid JSON). */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/** The Content-Security-Policy source that allows exactly this inline script. */
const scriptHash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

export type ScriptPage = {
  title: string
  /** Inlined CSS (trusted: the page module's own files). */
  style: string
  /** The id of the JSON block holding `data`, which the page's script reads. */
  dataId: string
  data: unknown
  /** Inline scripts in order: classic ones (a library's global) and module ones. */
  scripts: { code: string; module: boolean }[]
}

/** The HTML of a self-contained page whose `<main id="app">` its scripts fill in. */
export function scriptPage({ title, style, dataId, data, scripts }: ScriptPage): string {
  const csp = [
    "default-src 'none'",
    `script-src ${scripts.map((s) => scriptHash(s.code)).join(' ')}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
  ]
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp.join('; ')}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    '<main id="app"></main>',
    `<script type="application/json" id="${dataId}">${scriptSafeJson(data)}</script>`,
    // A module script's top-level names stay out of the page's globals, and it runs after the classic ones.
    ...scripts.map((s) => (s.module ? `<script type="module">${s.code}</script>` : `<script>${s.code}</script>`)),
    '</body>',
    '</html>',
    '',
  ].join('\n')
}
