/** Task (run in a worker of the task pool): the SHA-1 of bytes in shared memory, so the thread that read them goes on meanwhile. */
import { createHash } from 'node:crypto'
import type { TaskOutput } from './task-pool.ts'

export type ChecksumTask = { bytes: Uint8Array }

/** The SHA-1 of `bytes`, hex. */
export function sha1Hex(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex')
}

export default async function checksumTask({ bytes }: ChecksumTask): Promise<TaskOutput<string>> {
  return { result: sha1Hex(bytes) }
}
