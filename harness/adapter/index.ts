/**
 * The adapter seam (Jepsen's `Client` and `DB` protocols): the types a store implements
 * so the harness can test it. Nothing here runs; `harness/stores/<store>/` implements it.
 */
export type { ClusterRequest, NetworkKind, StoreAdapter, StoreCapabilities } from './adapter.ts'
export { CAS_MISMATCH, UNSUPPORTED_OP } from './client.ts'
export type {
  CasOp,
  Client,
  ClientOptions,
  DeleteOp,
  FailResult,
  GetOp,
  InfoResult,
  OkResult,
  Op,
  OpName,
  OpResult,
  PutOp,
  VersionMetadata,
} from './client.ts'
export type {
  Cluster,
  LinkProxy,
  Network,
  NodeAddress,
  NodeControl,
  NodeControlCapabilities,
  PeerLink,
  PeerTraffic,
  ProxyNetwork,
  StoreDescription,
} from './cluster.ts'
