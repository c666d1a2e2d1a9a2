/**
 * The templates of an http store description, filled in: `{name}` placeholders in paths,
 * headers and command words; request bodies whose whole-string `"{value}"` and
 * `"{context}"` become JSON values; `{peers}` as one word per peer or joined in a longer
 * word; and JSON pointers (RFC 6901) that find the values and the context in an answer.
 */
import type { Address } from '../../../common/helpers/address.ts'

/** The placeholders each kind of template may use. */
export const TEMPLATE_FIELDS = {
  none: [],
  path: ['key'],
  write: ['key', 'value', 'context'],
  delete: ['key', 'context'],
  command: ['id', 'host', 'port', 'dataDir', 'peers', 'node'],
  peer: ['id', 'host', 'port'],
} as const satisfies Record<string, readonly string[]>

export type TemplateField = keyof typeof TEMPLATE_FIELDS

const PLACEHOLDER = /\{([A-Za-z]+)\}/g

/** The placeholder names in a template, in order. */
export const placeholders = (text: string): string[] => [...text.matchAll(PLACEHOLDER)].map((m) => m[1])

/** The template with each `{name}` of `values` replaced (others are left as they are). */
export const fill = (text: string, values: Record<string, string>): string =>
  text.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? values[name] : whole))

/** What a request template is filled with. `context` is JSON text, as the seam carries it; null or absent when none. */
export type RequestValues = { key: string; value?: unknown; context?: string | null }

export type FilledRequest = { method: string; path: string; headers: Record<string, string>; body?: string }

const OMIT = Symbol('omit')

/**
 * A body template filled in: the string `"{value}"` becomes the value, `"{context}"` the
 * context (a property holding it is left out when there is none; an array item becomes
 * null), `{key}` in any other string the key.
 */
export function fillBody(template: unknown, values: RequestValues): unknown {
  const filled = fillJson(template, values)
  return filled === OMIT ? null : filled
}

function fillJson(template: unknown, values: RequestValues): unknown {
  if (typeof template === 'string') {
    if (template === '{value}') return values.value
    if (template === '{context}') return values.context == null ? OMIT : JSON.parse(values.context)
    return fill(template, { key: values.key })
  }
  if (Array.isArray(template))
    return template.map((item) => (item === '{context}' && values.context == null ? null : fillJson(item, values)))
  if (typeof template === 'object' && template !== null) {
    return Object.fromEntries(
      Object.entries(template).flatMap(([name, item]) => {
        const filled = fillJson(item, values)
        return filled === OMIT ? [] : [[name, filled]]
      }),
    )
  }
  return template
}

/** One op's request from its template: the path's `{key}` URL-encoded, the body as JSON text. */
export function fillRequest(
  template: { method: string; path: string; headers: Record<string, string>; body?: unknown },
  values: RequestValues,
): FilledRequest {
  const encoded = { key: encodeURIComponent(values.key) }
  return {
    method: template.method,
    path: fill(template.path, encoded),
    headers: Object.fromEntries(Object.entries(template.headers).map(([name, text]) => [name, fill(text, { key: values.key })])),
    ...(template.body === undefined ? {} : { body: JSON.stringify(fillBody(template.body, values)) }),
  }
}

/** One node as its command sees it: `peers` are where it reaches each other node (their links on the proxy network). */
export type NodeValues = { id: string; listen: Address; dataDir: string; peers: (Address & { id: string })[] }

/** How a node's command is written (a description's `node` section). */
export type CommandTemplate = { command: string[]; peer: string | string[]; peerSeparator: string; env: Record<string, string> }

/**
 * A node's argv and environment from the command template; `{node}` is the path of this
 * Node.js. `{peers}` is every peer written by the `peer` template: when `peer` is one
 * string, the peers joined by `peerSeparator` (one word); when it is a list of words, a
 * command word that is exactly `{peers}` becomes those words for each peer in turn
 * (`--peer n2=... --peer n3=...`), and elsewhere the peers' words joined by spaces.
 */
export function fillCommand(template: CommandTemplate, node: NodeValues): { argv: string[]; env: Record<string, string> } {
  const words = typeof template.peer === 'string' ? [template.peer] : template.peer
  const perPeer = node.peers.map((p) => words.map((word) => fill(word, { id: p.id, host: p.host, port: String(p.port) })))
  const spliced = typeof template.peer !== 'string'
  const values = {
    id: node.id,
    host: node.listen.host,
    port: String(node.listen.port),
    dataDir: node.dataDir,
    node: process.execPath,
    peers: spliced ? perPeer.flat().join(' ') : perPeer.map((w) => w[0]).join(template.peerSeparator),
  }
  return {
    argv: template.command.flatMap((word) => (spliced && word === '{peers}' ? perPeer.flat() : [fill(word, values)])),
    env: Object.fromEntries(Object.entries(template.env).map(([name, text]) => [name, fill(text, values)])),
  }
}

/** The value at a JSON pointer (RFC 6901: `/a/0/b`, `~1` for `/`, `~0` for `~`); `found: false` when the path does not exist. */
export function atPointer(json: unknown, pointer: string): { found: true; value: unknown } | { found: false } {
  if (pointer === '') return { found: true, value: json }
  let at: unknown = json
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (Array.isArray(at)) {
      if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= at.length) return { found: false }
      at = at[Number(token)]
    } else if (typeof at === 'object' && at !== null && Object.hasOwn(at, token)) {
      at = (at as Record<string, unknown>)[token]
    } else {
      return { found: false }
    }
  }
  return { found: true, value: at }
}
