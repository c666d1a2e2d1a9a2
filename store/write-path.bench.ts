/**
 * The replica's write path in one process, without HTTP or peers: the CPU time a write
 * costs a node, for a coordinated write (versioning, the storage's log, memtable and
 * checkpoints, the Merkle index) against the storage alone writing the same objects. One
 * process on the machine's own threads, so its figures hold far steadier than a cluster's
 * under load: the place to judge a change to this path before the etcd benchmark.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Benchmark, type BenchRow, overRounds } from '../harness/bench/benchmark.ts'
import { emptyContext } from '../common/contracts/causal.ts'
import { MerkleIndex } from './merkle.ts'
import { Replica } from './replica.ts'
import { Ring } from './ring.ts'
import { Storage } from './storage.ts'
import { applyWrite, emptyObject, type VersionedObject } from './versioning.ts'

/** Writes in flight at once, as a node under load has them (the log groups what arrives during a flush). */
const WRITERS = 32
const FULL = { rounds: 3, writes: 60_000 }
const QUICK = { rounds: 1, writes: 5_000 }
const NODE = 'n1'
const ACTOR = 'n1.bench'

type Subject = 'storage alone' | 'coordinated write'

/** A stored object as a write of `value` leaves it on a fresh key. */
const objectOf = (counter: number, value: string): VersionedObject =>
  applyWrite('dvv', emptyObject(), { node: ACTOR, counter, ts: 1_764_400_000_000, context: emptyContext(), value, deleted: false }).object

/**
 * CPU time of the whole process per write, µs, over `writes` fresh keys written by
 * {@link WRITERS} writers, after as many writes to warm up, in a storage of its own.
 */
async function cpuPerWrite(subject: Subject, writes: number, dir: string): Promise<number> {
  const storage = Storage.open({ dir })
  try {
    await storage.begin()
    const merkle = new MerkleIndex({ ring: new Ring({ nodes: [NODE, 'n2', 'n3'] }), load: (key) => storage.get(key) })
    const replica = new Replica({ node: ACTOR, mode: 'dvv', storage, onChange: (key) => merkle.refresh(key) })
    const write =
      subject === 'storage alone'
        ? (key: string, n: number) => storage.update(key, () => ({ store: objectOf(n, `v${n}`), result: undefined }))
        : (key: string, n: number) => replica.write(key, { context: emptyContext(), value: `v${n}`, deleted: false })
    const writeAll = async (tag: string): Promise<void> => {
      let next = 0
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          for (let n = next++; n < writes; n = next++) await write(`${tag}-${writer}-${n}`, n)
        }),
      )
    }
    await writeAll('warmup')
    const before = process.cpuUsage()
    await writeAll('measured')
    const { user, system } = process.cpuUsage(before)
    return (user + system) / writes
  } finally {
    await storage.close()
  }
}

export const benchmark: Benchmark = {
  name: 'write-path',
  description:
    "a node's write path in one process: CPU per write of a coordinated write (versioning, log, checkpoints, Merkle index) against the storage alone",
  async run({ quick, log }) {
    const plan = quick ? QUICK : FULL
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-bench-write-path-'))
    const results = new Map<Subject, number[]>([
      ['storage alone', []],
      ['coordinated write', []],
    ])
    try {
      for (let round = 1; round <= plan.rounds; round++) {
        const order: Subject[] = round % 2 === 1 ? ['storage alone', 'coordinated write'] : ['coordinated write', 'storage alone']
        for (const subject of order) {
          const us = await cpuPerWrite(subject, plan.writes, join(dir, `${round}-${subject.replace(' ', '-')}`))
          results.get(subject)?.push(us)
          log(`round ${round}, ${subject}: ${us.toFixed(1)} µs of CPU a write (${plan.writes} fresh keys, ${WRITERS} writers)`)
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    const alone = overRounds(results.get('storage alone') ?? [])
    const coordinated = overRounds(results.get('coordinated write') ?? [])
    const row = { benchmark: 'write-path', metric: 'CPU per write, one process', unit: 'µs' }
    const rows: BenchRow[] = [
      { ...row, subject: 'storage alone (log, memtable, checkpoints)', ...alone },
      {
        ...row,
        subject: 'coordinated write (versioning, storage, Merkle index)',
        ...coordinated,
        baseline: 'storage alone (log, memtable, checkpoints)',
        ratio: coordinated.value / alone.value,
      },
    ]
    return rows
  },
}
