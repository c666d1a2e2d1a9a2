/**
 * The filesystem half of the power nemesis: lazyfs, a FUSE filesystem mounted over a
 * node's data dir that loses, on a power cut, everything not yet fsynced.
 */
export { LazyFs, type LazyFsMountOptions, type LazyFsStats, type PendingChange, type PendingFile, type PowerCutResult } from './lazy-fs.ts'
export { ensureLazyFs, LazyFsUnavailableError, lazyFsSupport, type LazyFsSupport } from './lazy-fs-build.ts'
export { cleanupLazyFsMounts } from './mount-table.ts'
