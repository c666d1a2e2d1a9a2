/**
 * The forwarding decision: any node takes any client request, and serves it itself only
 * when it is one of the key's home replicas (or another node already forwarded it here);
 * otherwise the coordinator forwards it, one extra hop.
 */
import { FORWARDED_HEADER, TOKEN_HEADER } from '../api.ts'

/** `local`: this node coordinates the request. `forward`: a home replica of the key must. */
export type Route = 'local' | 'forward'

/** Request headers by lower-case name (a missing header is absent or undefined). */
export type RequestHeaders = Readonly<Record<string, string | undefined>>

/** What the decision needs to know about the node taking the request. */
export type RoutingNode = {
  /** The cluster token: only a node holding it may mark a request as forwarded. */
  token: string
  /** Whether this node is one of the key's home replicas. */
  isHome: (key: string) => boolean
}

/**
 * Where a client request for `key` is served. A request a node forwarded (it carries
 * {@link FORWARDED_HEADER} with the cluster token) is served here whatever the ring says,
 * so a request makes one extra hop at most; without the token the mark is ignored, so a
 * client cannot have a node coordinate keys it does not hold.
 */
export function routeRequest(key: string, headers: RequestHeaders, node: RoutingNode): Route {
  const forwarded = headers[FORWARDED_HEADER] !== undefined && headers[TOKEN_HEADER] === node.token
  return forwarded || node.isHome(key) ? 'local' : 'forward'
}
