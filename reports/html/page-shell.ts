/**
 * The shell of the small server-rendered pages (the runs index, a run's files, the scenario
 * matrix): one place for the doctype, the charset and the Content-Security-Policy, which
 * allows no script and no network at all, so nothing a run name or a stored value puts in a
 * page can run. Content goes in through hono's `html`, which escapes it.
 */
import { html, raw } from 'hono/html'

export type PageShell = {
  title: string
  /** The page's CSS, inlined (trusted: a constant of the page's module). */
  style: string
  body: unknown
}

export const htmlPage = ({ title, style, body }: PageShell): ReturnType<typeof html> => html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:" />
    <title>${title}</title>
    <link rel="icon" href="data:," />
    <style>
      ${raw(style)}
    </style>
  </head>
  <body>
    ${body}
  </body>
</html>
`
