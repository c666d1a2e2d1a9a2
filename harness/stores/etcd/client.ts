/**
 * The harness's etcd client: get, put, delete and compare-and-set through each node's v3
 * JSON gateway, over kept-alive HTTP/1.1 connections (one {@link HttpEndpoint} per node),
 * with a deadline per request, every answer sorted into ok / fail / info by
 * {@link classify}. Reads are linearizable (etcd's read index through the leader) or
 * serializable (the node's local state, possibly stale), as the client is told.
 */
import type { Address } from '../../../common/helpers/address.ts'
import { HttpEndpoint, HttpFailure } from '../../../common/helpers/http-endpoint.ts'
import {
  type CasResult,
  casRequest,
  type DeleteResult,
  deleteRequest,
  type GetResult,
  type PutResult,
  parseCas,
  parseDelete,
  parsePut,
  parseRange,
  putRequest,
  rangeRequest,
} from './gateway.ts'
import { classify, type OpEffect, type Outcome, type ResultParser } from './outcome.ts'

export type EtcdReads = 'linearizable' | 'serializable'

/** A node's id and the address of its client (gateway) port. */
export type EtcdEndpoint = Address & { id: string }

export type EtcdClientOptions = {
  nodes: EtcdEndpoint[]
  /** Deadline for one request, ms. */
  timeoutMs: number
  /** How gets read; default linearizable. */
  reads?: EtcdReads
}

/** One op, sent to one member (`node`: n1, n2...). */
export type EtcdOp =
  | { f: 'get'; key: string; node: string }
  | { f: 'put'; key: string; node: string; value: unknown }
  | { f: 'delete'; key: string; node: string }
  | { f: 'cas'; key: string; node: string; expected: unknown; value: unknown }

type Results = { get: GetResult; put: PutResult; delete: DeleteResult; cas: CasResult }

/** What {@link EtcdClient.invoke} answers for an op of kind `F`. */
export type EtcdOutcome<F extends EtcdOp['f'] = EtcdOp['f']> = Outcome<Results[F]>

/** Per-call overrides of the client's options. */
export type CallOptions = { timeoutMs?: number }

export class EtcdClient {
  #endpoints: Map<string, HttpEndpoint>
  #timeoutMs: number
  #reads: EtcdReads

  constructor({ nodes, timeoutMs, reads = 'linearizable' }: EtcdClientOptions) {
    if (!(timeoutMs > 0)) throw new Error(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`)
    this.#endpoints = new Map(nodes.map((n) => [n.id, new HttpEndpoint({ host: n.host, port: n.port })]))
    this.#timeoutMs = timeoutMs
    this.#reads = reads
  }

  get reads(): EtcdReads {
    return this.#reads
  }

  /** The key's value through `node` (0 or 1 values). */
  get(node: string, key: string, options: CallOptions & { reads?: EtcdReads } = {}): Promise<EtcdOutcome<'get'>> {
    const serializable = (options.reads ?? this.#reads) === 'serializable'
    return this.#call(node, key, 'read', '/v3/kv/range', () => rangeRequest(key, serializable), parseRange, options)
  }

  put(node: string, key: string, value: unknown, options: CallOptions = {}): Promise<EtcdOutcome<'put'>> {
    return this.#call(node, key, 'write', '/v3/kv/put', () => putRequest(key, json(value)), parsePut, options)
  }

  delete(node: string, key: string, options: CallOptions = {}): Promise<EtcdOutcome<'delete'>> {
    return this.#call(node, key, 'write', '/v3/kv/deleterange', () => deleteRequest(key), parseDelete, options)
  }

  /** Replaces the value with `value` if it is `expected` (compared as JSON text); `succeeded` says whether it was. */
  cas(node: string, key: string, expected: unknown, value: unknown, options: CallOptions = {}): Promise<EtcdOutcome<'cas'>> {
    return this.#call(node, key, 'write', '/v3/kv/txn', () => casRequest(key, json(expected), json(value)), parseCas, options)
  }

  /** One op as a history client issues it. */
  invoke<F extends EtcdOp['f']>(op: Extract<EtcdOp, { f: F }>, options?: CallOptions): Promise<EtcdOutcome<F>>
  invoke(op: EtcdOp, options: CallOptions = {}): Promise<EtcdOutcome> {
    switch (op.f) {
      case 'get':
        return this.get(op.node, op.key, options)
      case 'put':
        return this.put(op.node, op.key, op.value, options)
      case 'delete':
        return this.delete(op.node, op.key, options)
      case 'cas':
        return this.cas(op.node, op.key, op.expected, op.value, options)
    }
  }

  /** Closes every connection; the client is not used again. */
  async close(): Promise<void> {
    for (const endpoint of this.#endpoints.values()) endpoint.close()
  }

  async #call<T extends object>(
    node: string,
    key: string,
    effect: OpEffect,
    path: string,
    body: () => string,
    parse: ResultParser<T>,
    { timeoutMs = this.#timeoutMs }: CallOptions,
  ): Promise<Outcome<T>> {
    // Refused before sending: certainly did not happen.
    const endpoint = this.#endpoints.get(node)
    if (!endpoint) return { type: 'fail', error: 'unknown_node', detail: `no node ${node}` }
    if (typeof key !== 'string' || key === '') return { type: 'fail', error: 'invalid_key', detail: 'etcd keys are non-empty strings' }
    let request: string
    try {
      request = body()
    } catch (error) {
      return { type: 'fail', error: 'invalid_value', detail: (error as Error).message }
    }
    try {
      const response = await endpoint.request({ method: 'POST', path, body: request, timeoutMs })
      return classify(effect, { response }, parse)
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error
      return classify(effect, { failure: error }, parse)
    }
  }
}

/** The JSON text stored for a value; throws for what JSON cannot hold (undefined, functions, cycles, BigInt). */
function json(value: unknown): string {
  const text = JSON.stringify(value)
  if (text === undefined) throw new Error(`${typeof value} cannot be stored as JSON`)
  return text
}
