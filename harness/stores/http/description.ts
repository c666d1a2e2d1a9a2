/**
 * The description of an HTTP/JSON key-value store (`--store http:FILE`), in the spirit of
 * Maelstrom's `--bin`: how to start a node, the request of each op, where the values and
 * the context sit in the answers, and what each status means. Its shape, its defaults,
 * and the validator that names every problem by its JSON path (`requests.put.body`).
 */
import { readFile, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { PROMISABLE_CHECKS } from '../../../common/contracts/checker.ts'
import { placeholders, TEMPLATE_FIELDS, type TemplateField } from './templates.ts'

/** One HTTP request of an op: `path` and string values of `body` and `headers` are templates. */
export type RequestTemplate = {
  /** Default: GET for a read, PUT for a write, DELETE for a delete. */
  method: string
  /** Path and query, with `{key}` (URL-encoded). */
  path: string
  headers: Record<string, string>
  /** A JSON value; the string `"{value}"` stands for the value written, `"{context}"` for the context (left out when none). */
  body?: unknown
}

export type HttpStoreDescription = {
  /** What the store is called in reports (1-64 letters, digits, `_`, `.`, `-`). */
  name: string
  /** The checks the store promises (`PROMISABLE_CHECKS`): the verdict fails a run only on these. */
  promises: string[]
  node: {
    /** argv of one node; words are templates of `{id} {host} {port} {dataDir} {peers} {node}`. */
    command: string[]
    /**
     * One peer, as `{peers}` lists it: a template of `{id} {host} {port}` (the peers joined by
     * `peerSeparator` into one word), or a list of such words (the command word `{peers}`
     * becomes them for every peer in turn).
     */
    peer: string | string[]
    /** Between peers when `peer` is one string. */
    peerSeparator: string
    /** Absolute working folder of a node (written relative to the description's folder). */
    cwd: string
    /** Variables added to a node's environment (templates, like command words). */
    env: Record<string, string>
    /** The request that says a node serves, and the statuses that count (empty: any answer). */
    ready: { method: string; path: string; statuses: number[] }
    /** How long a node may take to serve after it starts, ms. */
    startTimeoutMs: number
  }
  requests: { get: RequestTemplate; put: RequestTemplate; delete?: RequestTemplate }
  /**
   * JSON pointers into an answer: the values a read found (`values`: an array of siblings, or
   * `value`: the one value), the context (reads and writes), and a short error code in an
   * error answer (else the history says `http_<status>`).
   */
  responses: { values?: string; value?: string; context?: string; error?: string }
  /** Statuses beyond the defaults (2xx ok; other 4xx fail; other 5xx unknown). */
  statuses: { notFound: number[]; fail: number[]; unknown: number[] }
}

/** The file could not be read, or describes no valid store: every problem, with its path. */
export class DescriptionError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}:\n  ${problems.join('\n  ')}`)
  }
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']
const NAME = /^[A-Za-z0-9_.-]{1,64}$/

type Json = Record<string, unknown>

/** Collects problems while reading fields; every read is checked and leaves a usable default. */
class Reader {
  readonly problems: string[] = []

  problem(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`)
  }

  /** An object with only `fields` (extra ones are problems: a typo must not pass silently); `{}` when it is not one. */
  object(value: unknown, path: string, fields: readonly string[], required = true): Json {
    if (value === undefined && !required) return {}
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problem(path || '(the file)', `must be an object with ${fields.join(', ')}`)
      return {}
    }
    for (const field of Object.keys(value)) {
      if (!fields.includes(field)) this.problem(join(path, field), `unknown field (expected ${fields.join(', ')})`)
    }
    return value as Json
  }

  string(value: unknown, path: string, fallback: string, required: boolean): string {
    if (value === undefined && !required) return fallback
    if (typeof value === 'string' && value !== '') return value
    this.problem(path, 'must be a non-empty string')
    return fallback
  }

  /** Any string, even empty; `fallback` when absent. */
  text(value: unknown, path: string, fallback: string): string {
    if (value === undefined) return fallback
    if (typeof value === 'string') return value
    this.problem(path, 'must be a string')
    return fallback
  }

  /** A template string whose placeholders are all in `allowed`. */
  template(value: unknown, path: string, allowed: TemplateField, fallback = '', required = true): string {
    const text = this.string(value, path, fallback, required)
    const known: readonly string[] = TEMPLATE_FIELDS[allowed]
    for (const name of placeholders(text)) {
      if (!known.includes(name))
        this.problem(path, `unknown placeholder {${name}} (here: ${known.map((f) => `{${f}}`).join(' ') || 'none'})`)
    }
    return text
  }

  statuses(value: unknown, path: string): number[] {
    if (value === undefined) return []
    if (!Array.isArray(value)) {
      this.problem(path, 'must be a list of HTTP statuses (100-599)')
      return []
    }
    value.forEach((status, i) => {
      if (!Number.isInteger(status) || status < 100 || status > 599) this.problem(`${path}[${i}]`, 'must be an HTTP status (100-599)')
    })
    return value.filter((s) => Number.isInteger(s))
  }

  pointer(value: unknown, path: string): string | undefined {
    if (value === undefined) return undefined
    if (typeof value === 'string' && (value === '' || value.startsWith('/'))) return value
    this.problem(path, 'must be a JSON pointer ("" for the whole answer, or /field/0/...)')
    return undefined
  }

  method(value: unknown, path: string, fallback: string, required: boolean): string {
    const method = this.string(value, path, fallback, required)
    if (METHODS.includes(method)) return method
    this.problem(path, `must be one of ${METHODS.join(', ')}`)
    return fallback
  }
}

const join = (path: string, field: string): string => (path ? `${path}.${field}` : field)

/** Every string inside a JSON value, with its path. */
function strings(value: unknown, path: string): [string, string][] {
  if (typeof value === 'string') return [[path, value]]
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`))
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => strings(v, join(path, k)))
  return []
}

function request(r: Reader, value: unknown, path: string, op: 'get' | 'put' | 'delete'): RequestTemplate {
  const raw = r.object(value, path, ['method', 'path', 'headers', 'body'])
  const headers = r.object(raw.headers, join(path, 'headers'), Object.keys((raw.headers as Json) ?? {}), false)
  const template: RequestTemplate = {
    method: r.method(raw.method, join(path, 'method'), op === 'get' ? 'GET' : op === 'put' ? 'PUT' : 'DELETE', false),
    path: r.template(raw.path, join(path, 'path'), 'path', '/'),
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, v]) => [name, r.template(v, join(join(path, 'headers'), name), 'path')]),
    ),
    ...(raw.body === undefined ? {} : { body: raw.body }),
  }
  if (!template.path.startsWith('/')) r.problem(join(path, 'path'), 'must start with /')
  const allowed: TemplateField = op === 'put' ? 'write' : op === 'delete' ? 'delete' : 'path'
  const found = strings(raw.body, join(path, 'body'))
  for (const [where, text] of found) {
    r.template(text, where, allowed)
    for (const whole of ['value', 'context']) {
      if (text !== `{${whole}}` && placeholders(text).includes(whole))
        r.problem(where, `{${whole}} must be the whole string (it becomes a JSON value)`)
    }
  }
  if (op === 'put' && !found.some(([, text]) => text === '{value}')) {
    r.problem(join(path, 'body'), 'must hold "{value}" as a whole string, where the value written goes')
  }
  if (op === 'get' && raw.body !== undefined && template.method === 'GET') r.problem(join(path, 'body'), 'a GET sends no body')
  return template
}

function nodeSection(r: Reader, value: unknown, folder: string): HttpStoreDescription['node'] {
  const fields = ['command', 'peer', 'peerSeparator', 'cwd', 'env', 'ready', 'startTimeoutMs']
  const raw = r.object(value, 'node', fields)
  let command: string[] = []
  if (!Array.isArray(raw.command) || raw.command.length === 0) r.problem('node.command', 'must be a non-empty list of words (argv)')
  else command = raw.command.map((word, i) => r.template(word, `node.command[${i}]`, 'command'))
  const env = r.object(raw.env, 'node.env', Object.keys((raw.env as Json) ?? {}), false)
  const ready = r.object(raw.ready, 'node.ready', ['method', 'path', 'statuses'], false)
  const timeout = raw.startTimeoutMs ?? 20_000
  if (!Number.isInteger(timeout) || (timeout as number) < 1 || (timeout as number) > 600_000) {
    r.problem('node.startTimeoutMs', 'must be an integer from 1 to 600000 (ms)')
  }
  return {
    command,
    peer: Array.isArray(raw.peer)
      ? raw.peer.map((word, i) => r.template(word, `node.peer[${i}]`, 'peer'))
      : r.template(raw.peer, 'node.peer', 'peer', '{id}={host}:{port}', false),
    peerSeparator: r.text(raw.peerSeparator, 'node.peerSeparator', ','),
    cwd: resolve(folder, r.string(raw.cwd, 'node.cwd', '.', false)),
    env: Object.fromEntries(Object.entries(env).map(([name, v]) => [name, r.template(v, `node.env.${name}`, 'command')])),
    ready: {
      method: r.method(ready.method, 'node.ready.method', 'GET', false),
      path: r.template(ready.path, 'node.ready.path', 'none', '/', false),
      statuses: r.statuses(ready.statuses, 'node.ready.statuses'),
    },
    startTimeoutMs: Number.isInteger(timeout) ? (timeout as number) : 20_000,
  }
}

function responsesSection(r: Reader, value: unknown): HttpStoreDescription['responses'] {
  const raw = r.object(value, 'responses', ['values', 'value', 'context', 'error'])
  const responses = {
    values: r.pointer(raw.values, 'responses.values'),
    value: r.pointer(raw.value, 'responses.value'),
    context: r.pointer(raw.context, 'responses.context'),
    error: r.pointer(raw.error, 'responses.error'),
  }
  if ((raw.values === undefined) === (raw.value === undefined)) {
    r.problem('responses', 'give one of values (a pointer to an array of sibling values) or value (a pointer to the one value)')
  }
  return responses
}

function statusesSection(r: Reader, value: unknown): HttpStoreDescription['statuses'] {
  const raw = r.object(value, 'statuses', ['notFound', 'fail', 'unknown'], false)
  const statuses = {
    notFound: r.statuses(raw.notFound, 'statuses.notFound'),
    fail: r.statuses(raw.fail, 'statuses.fail'),
    unknown: r.statuses(raw.unknown, 'statuses.unknown'),
  }
  const seen = new Map<number, string>()
  for (const [list, codes] of Object.entries(statuses)) {
    for (const code of codes) {
      const before = seen.get(code)
      if (before) r.problem(`statuses.${list}`, `${code} is in statuses.${before} too: a status means one thing`)
      seen.set(code, list)
    }
  }
  return statuses
}

function promisesSection(r: Reader, value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    r.problem('promises', `must be a list of check names (${PROMISABLE_CHECKS.join(', ')})`)
    return []
  }
  value.forEach((name, i) => {
    if (!(PROMISABLE_CHECKS as readonly unknown[]).includes(name))
      r.problem(`promises[${i}]`, `must be one of ${PROMISABLE_CHECKS.join(', ')}`)
  })
  return value.filter((name) => typeof name === 'string')
}

/**
 * The description in `raw` (parsed JSON of a file in `folder`), with defaults filled in, or
 * every problem with its JSON path.
 */
export function validateDescription(raw: unknown, folder: string): { description: HttpStoreDescription } | { problems: string[] } {
  const r = new Reader()
  const top = r.object(raw, '', ['name', 'promises', 'node', 'requests', 'responses', 'statuses'])
  const requests = r.object(top.requests, 'requests', ['get', 'put', 'delete'])
  const name = r.string(top.name, 'name', 'http', true)
  if (typeof top.name === 'string' && !NAME.test(top.name)) r.problem('name', 'must be 1-64 letters, digits, _, . or -')
  const description: HttpStoreDescription = {
    name,
    promises: promisesSection(r, top.promises),
    node: nodeSection(r, top.node, folder),
    requests: {
      get: request(r, requests.get, 'requests.get', 'get'),
      put: request(r, requests.put, 'requests.put', 'put'),
      ...(requests.delete === undefined ? {} : { delete: request(r, requests.delete, 'requests.delete', 'delete') }),
    },
    responses: responsesSection(r, top.responses),
    statuses: statusesSection(r, top.statuses),
  }
  return r.problems.length > 0 ? { problems: r.problems } : { description }
}

/** Reads and validates a description file; throws a {@link DescriptionError} naming every problem. */
export async function readDescription(file: string): Promise<HttpStoreDescription> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    throw new DescriptionError(file, [e.code === 'ENOENT' ? 'no such file' : `not readable JSON: ${e.message}`])
  }
  const result = validateDescription(raw, dirname(resolve(file)))
  if ('problems' in result) throw new DescriptionError(file, result.problems)
  const { cwd } = result.description.node
  if (
    !(await stat(cwd).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new DescriptionError(file, [`node.cwd: ${cwd} is not a folder (a relative cwd is from the description's folder)`])
  }
  return result.description
}
