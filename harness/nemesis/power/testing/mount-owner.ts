/**
 * Child process of the lazyfs tests: mounts lazyfs, prints {"mounted":true}, then ends
 * as told: `throw` (an uncaught error ends it) or `wait` (until it is killed).
 */
import { LazyFs } from '../lazy-fs.ts'

const [backingDir, mountPoint, ending] = process.argv.slice(2)
await LazyFs.mount({ backingDir, mountPoint })
process.stdout.write(`${JSON.stringify({ mounted: true })}\n`)
if (ending === 'throw') throw new Error('the owner of the mount fails')
setInterval(() => undefined, 60_000)
