/**
 * etcd as a subject of the harness: the server binary (built from the Go module proxy or
 * `ETCD_BIN`), a local cluster of member processes, and a client for its v3 JSON gateway
 * whose answers are sorted into ok / fail / info.
 */
export { checkEtcdBinary, EtcdUnavailableError, embeddedEtcdVersion, ensureEtcd, etcdUnavailableReason } from './binary.ts'
export type { EnsureEtcdOptions } from './binary.ts'
export { EtcdClient } from './client.ts'
export type { CallOptions, EtcdClientOptions, EtcdEndpoint, EtcdOp, EtcdOutcome, EtcdReads } from './client.ts'
export { EtcdCluster } from './cluster.ts'
export type { EtcdClusterOptions, EtcdMember, EtcdMemberAddresses } from './cluster.ts'
export type { CasResult, DeleteResult, GetResult, PutResult } from './gateway.ts'
export type { Outcome } from './outcome.ts'
export { etcdAdapter, etcdCapabilities, EtcdStoreClient } from './adapter.ts'
export type { EtcdAdapterOptions } from './adapter.ts'
