/**
 * The adapter seam (Jepsen's `Client` and `DB` protocols): the types a store implements
 * so the harness can test it. Nothing here runs; `harness/stores/<store>/` implements it.
 */
export type { ClusterRequest, Forger, StoreAdapter, StoreCapabilities } from './adapter.ts'
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
export type { Cluster, NodeAddress, NodeControl, NodeControlCapabilities, PeerTraffic, PowerCut, StoreDescription } from './cluster.ts'
export type {
  DropOutcome,
  DropRequest,
  FaultOutcome,
  LinkPair,
  LossCount,
  Network,
  NetworkCapabilities,
  NetworkCapability,
  NetworkFault,
  SlowRequest,
} from './network.ts'
