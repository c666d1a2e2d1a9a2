/**
 * The reference store's adapter and what the CLI and tests use of its clusters: local
 * clusters with or without a proxy, external clusters, the compose file, node processes
 * and the node's command line.
 */
export { quorumlabAdapter, type QuorumlabAdapterOptions } from './adapter.ts'
export { composeYaml } from './compose-file.ts'
export { ClusterConfigError, readClusterConfig } from './external-cluster.ts'
export { LocalCluster } from './local-cluster.ts'
export { SETTING_FLAGS, type NodeReadyMessage, type SettingFlag, type SettingValue } from './node-command.ts'
export { NodeExitedError, QUORUMLAB_BIN } from './node-process.ts'
export { startProxiedCluster } from './proxied-cluster.ts'
export { withClusterSecret } from './secret.ts'
