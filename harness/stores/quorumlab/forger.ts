/**
 * The reference store's forging client, for the security test (`--forge`): writes that
 * carry contexts no honest client holds, each of which a node must refuse. A forged or
 * inflated context that got through would claim dots nobody issued and hide every later
 * write to its key (the lost-writes checker then sees them go); a replayed one would
 * let a reader of one key overwrite another unseen.
 */
import { actorId, encodeContext } from '../../../store/versioning.ts'
import type { HealthResponse, ReadResponse, WriteResponse } from '../../../store/api.ts'
import type { ForgeAttempt, ForgeKind } from '../../../common/contracts/history.ts'
import { HttpEndpoint, HttpFailure, type HttpResponse } from '../../../common/helpers/http-endpoint.ts'
import type { Forger, NodeAddress } from '../../adapter/index.ts'

/** The public secret contexts were once signed with by default: what an attacker tries first. */
const PUBLIC_SECRET = 'quorumlab'
/** A counter far beyond anything a node issues. */
const HUGE_COUNTER = 9e15
/**
 * Loose dots in an oversized context: about 200 KB, more than the store hands out since
 * it folds a writer's dots (the unbounded contexts of old reached 111 KB), yet inside
 * the request limit, so the node reads it all and must still refuse it.
 */
const OVERSIZED_DOTS = 4000
/** The forger's own key: the context it replays onto others is read from here. */
const SOURCE_KEY = 'forge-source'

export type QuorumlabForgerOptions = {
  nodes: readonly NodeAddress[]
  /** The cluster's secret, when the harness knows it: without it there are no `inflated` attempts. */
  secret?: string
  /** Deadline per request, ms. */
  timeoutMs: number
}

const errorCode = (body: string): string | undefined => {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code
  } catch {
    return undefined
  }
}

export class QuorumlabForger implements Forger {
  readonly kinds: readonly ForgeKind[]
  #endpoints: Map<string, HttpEndpoint>
  #secret: string | undefined
  #timeoutMs: number

  constructor({ nodes, secret, timeoutMs }: QuorumlabForgerOptions) {
    this.#endpoints = new Map(nodes.map((n) => [n.id, new HttpEndpoint({ host: n.host, port: n.port })]))
    this.#secret = secret
    this.#timeoutMs = timeoutMs
    this.kinds = secret ? ['forged', 'inflated', 'replayed', 'oversized'] : ['forged', 'replayed', 'oversized']
  }

  /** Sends one write to `key` through `node` with a context of this kind; never throws for a failed request. */
  async attempt(kind: ForgeKind, key: string, node: string): Promise<ForgeAttempt> {
    try {
      const context = await this.#context(kind, key, node)
      const body = JSON.stringify({ value: `forged-${kind}`, context })
      return outcomeOf(kind, key, node, await this.#request(node, 'PUT', key, body))
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error
      return { kind, key, node, outcome: 'unanswered', code: error.kind }
    }
  }

  async close(): Promise<void> {
    for (const endpoint of this.#endpoints.values()) endpoint.close()
  }

  async #context(kind: ForgeKind, key: string, node: string): Promise<string> {
    switch (kind) {
      case 'forged':
        return encodeContext({ clock: await this.#hugeClock(key, node), dots: [] }, { secret: PUBLIC_SECRET, key })
      case 'inflated':
        return encodeContext({ clock: await this.#hugeClock(key, node), dots: [] }, { secret: this.#secret ?? PUBLIC_SECRET, key })
      case 'replayed':
        return this.#sourceContext(node)
      case 'oversized': {
        // Every other counter, so no dot folds into the clock: each stays loose.
        const dots = Array.from({ length: OVERSIZED_DOTS }, (_, i) => ({ node: `${node}.forged`, counter: 2 * i + 2 }))
        return encodeContext({ clock: {}, dots }, { secret: PUBLIC_SECRET, key })
      }
    }
  }

  /** A clock claiming a huge counter for every actor of the key and every node's current incarnation. */
  async #hugeClock(key: string, node: string): Promise<Record<string, number>> {
    const actors = new Set<string>()
    const read = await this.#request(node, 'GET', key)
    if (read.status === 200) {
      const { context } = JSON.parse(read.body) as ReadResponse
      const payload = context?.split('.')[0]
      if (payload) for (const actor of Object.keys(JSON.parse(Buffer.from(payload, 'base64url').toString()).clock ?? {})) actors.add(actor)
    }
    await Promise.all(
      [...this.#endpoints.keys()].map(async (id) => {
        const health = await this.#request(id, 'GET', undefined).catch(() => undefined)
        if (health?.status === 200) actors.add(actorId(id, (JSON.parse(health.body) as HealthResponse).incarnation))
      }),
    )
    return Object.fromEntries([...actors].map((actor) => [actor, HUGE_COUNTER]))
  }

  /** A genuine context, of the forger's own key: valid there, and only there. */
  async #sourceContext(node: string): Promise<string> {
    const answer = await this.#request(node, 'PUT', SOURCE_KEY, JSON.stringify({ value: 'source' }))
    if (answer.status !== 200) throw new HttpFailure('protocol', true, `writing ${SOURCE_KEY} answered ${answer.status}`)
    return (JSON.parse(answer.body) as WriteResponse).context
  }

  /** `key` undefined: the node's health. */
  #request(node: string, method: 'GET' | 'PUT', key: string | undefined, body?: string): Promise<HttpResponse> {
    const endpoint = this.#endpoints.get(node)
    if (!endpoint) throw new Error(`no node ${node}`)
    const path = key === undefined ? '/health' : `/kv/${encodeURIComponent(key)}`
    return endpoint.request({ method, path, body, timeoutMs: this.#timeoutMs })
  }
}

function outcomeOf(kind: ForgeKind, key: string, node: string, { status, body }: HttpResponse): ForgeAttempt {
  const code = errorCode(body)
  const outcome = status >= 400 && status < 500 ? 'refused' : status >= 200 && status < 300 ? 'accepted' : 'unanswered'
  return { kind, key, node, outcome, status, ...(code ? { code } : {}) }
}
