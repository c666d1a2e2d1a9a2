/**
 * `npm run etcd:build`: builds the etcd server once (or checks `ETCD_BIN`) and prints its
 * path, so CI pays for the build in a step of its own and the tests find it cached.
 * Exits 1 with the reason when no etcd can be had.
 */
import { checkEtcdBinary, ensureEtcd } from './binary.ts'

try {
  const path = await ensureEtcd()
  process.stdout.write(`etcd ${await checkEtcdBinary(path)}: ${path}\n`)
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`)
  process.exitCode = 1
}
