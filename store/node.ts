/**
 * A running store node, the composition root: opens its storage, builds the ring, the
 * replica, membership and gossip, hinted handoff, anti-entropy and the coordinator,
 * serves the Hono app, and runs the background loops until closed.
 */
import { createServer as createNodeServer, type RequestListener, type ServerOptions } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { httpUrl } from '../common/helpers/address.ts'
import { AntiEntropy } from './anti-entropy.ts'
import { createApp } from './app.ts'
import type { NodeConfig } from './config.ts'
import { createConsistencyEngine, replicaMerge } from './consistency/index.ts'
import { Coordinator } from './coordinator.ts'
import { Gossiper } from './gossip.ts'
import { type BatchFastPathOptions, batchFastPath } from './http/batch-fast-path.ts'
import { acceptBatchStreams, type BatchStreams } from './http/batch-stream.ts'
import { type FastPath, withFastPaths } from './http/fast-path.ts'
import { kvGetFastPath } from './http/kv-get-fast-path.ts'
import { kvPutFastPath } from './http/kv-put-fast-path.ts'
import { HintedHandoff } from './hinted-handoff.ts'
import { Membership } from './membership.ts'
import { MerkleIndex } from './merkle.ts'
import { PeerBatcher } from './peer-batcher.ts'
import { WarsRecorder } from './wars.ts'
import { PeerClient } from './peers.ts'
import { Replica } from './replica.ts'
import { Ring } from './ring.ts'
import { Stats } from './stats.ts'
import { Storage, survivingFailedCommits } from './storage.ts'
import { actorId } from './versioning.ts'
import { WallClock } from './wall-clock.ts'

export type RunningNode = {
  config: NodeConfig
  /** Base URL the node serves on, e.g. `http://127.0.0.1:7001`. */
  url: string
  /** Gossip generation: above every earlier one of this node (the wall clock at start, ms). */
  generation: number
  /** The data dir's incarnation: dots this node issues are under `<id>.<incarnation>`. */
  incarnation: string
  /** Stops the background loops and the server, then closes the storage; calling it again waits for the same close. */
  close(): Promise<void>
}

/**
 * Serves `app` on the configured address, with `fastPaths` taking the requests they can
 * answer first and peers' batch streams taken on the same port; when it cannot listen,
 * releases what the node holds (`release`) and throws.
 */
async function listen(
  {
    app,
    fastPaths,
    batchStreams,
  }: { app: ReturnType<typeof createApp>; fastPaths: readonly FastPath[]; batchStreams: BatchFastPathOptions },
  config: NodeConfig,
  release: () => Promise<void>,
): Promise<{ server: ServerType; streams: BatchStreams }> {
  let streams: BatchStreams | undefined
  const createServer = ((options: ServerOptions, listener: RequestListener) => {
    const requests = withFastPaths(fastPaths, listener)
    const server = createNodeServer(options, requests)
    streams = acceptBatchStreams(server, requests, batchStreams)
    return server
  }) as typeof createNodeServer
  try {
    const server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port, createServer }, () => resolve(s))
      s.once('error', reject)
    })
    return { server, streams: streams! }
  } catch (error) {
    streams?.close()
    await release()
    throw error
  }
}

/**
 * Starts a store node from a checked config (see `validateNodeConfig`): takes the data
 * dir (a `StorageLockedError` if another live process holds it), serves the HTTP
 * API on `config.host`:`config.port` (port 0: any free port, read it from `url`), and
 * starts gossip (every `config.gossipIntervalMs` milliseconds), hint delivery (every
 * `config.hintIntervalMs` ms) and anti-entropy (every `config.antiEntropyIntervalMs` ms,
 * 0 for never). Resolves once the node serves; rejects, having released the data dir,
 * when it cannot listen.
 */
export async function startNode(config: NodeConfig): Promise<RunningNode> {
  survivingFailedCommits()
  const storage = Storage.open({ dir: config.dataDir })
  const { incarnation, generation } = await storage.begin()
  const stats = new Stats(config.id)
  const ring = new Ring({ nodes: [config.id, ...config.peers.map((p) => p.id)], vnodes: config.vnodes })
  const merkle = new MerkleIndex({ ring, load: (key) => storage.get(key) })
  for (const key of storage.knownKeys()) merkle.touch(key)
  const wallClock = new WallClock()
  const replica = new Replica({
    node: actorId(config.id, incarnation),
    mode: config.versioning,
    storage,
    now: () => wallClock.now(),
    onChange: (key) => merkle.refresh(key),
    merge: replicaMerge(config.consistency),
    limits: { maxSiblings: config.maxSiblings, maxObjectBytes: config.maxObjectBytes },
  })
  const peers = new PeerClient({ self: config.id, peers: config.peers, token: config.token, stats, connections: config.peerConnections })
  const wars = new WarsRecorder({ node: config.id })
  const batcher = new PeerBatcher({ peers, timeoutMs: config.replicaTimeoutMs, wars })
  const membership = new Membership({
    self: config.id,
    generation,
    peers: config.peers.map((p) => p.id),
    phiThreshold: config.phiThreshold,
    gossipIntervalMs: config.gossipIntervalMs,
  })
  const gossiper = new Gossiper({ membership, peers, stats, intervalMs: config.gossipIntervalMs })
  const handoff = new HintedHandoff({ storage, mode: config.versioning, batcher, membership, stats, intervalMs: config.hintIntervalMs })
  const antiEntropy = new AntiEntropy({
    self: config.id,
    n: config.n,
    ring,
    merkle,
    replica,
    peers,
    membership,
    stats,
    intervalMs: config.antiEntropyIntervalMs,
    roundDeadlineMs: config.replicaTimeoutMs * 5,
    timeoutMs: config.replicaTimeoutMs * 5,
  })
  const coordinator = new Coordinator({ config, ring, replica, peers, batcher, membership, handoff, stats, wars })
  const consistency = createConsistencyEngine({ config, ring, replica, storage, coordinator, peers, batcher, membership, stats })
  const app = createApp({
    config,
    ring,
    coordinator,
    consistency,
    incarnation,
    replica,
    membership,
    gossiper,
    handoff,
    merkle,
    antiEntropy,
    stats,
    wallClock,
    wars,
  })

  const batchOptions = { config, replica, handoff, stats }
  const fastPaths = [
    kvGetFastPath({ config, coordinator, consistency }),
    kvPutFastPath({ config, coordinator, consistency }),
    batchFastPath(batchOptions),
  ]
  const { server, streams } = await listen({ app, fastPaths, batchStreams: batchOptions }, config, async () => {
    peers.close()
    await storage.close()
  })
  const url = httpUrl({ host: config.host, port: (server.address() as AddressInfo).port })
  const loops = [gossiper, handoff, antiEntropy, consistency]
  for (const loop of loops) loop.start()

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const loop of loops) loop.stop()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        // closeAllConnections leaves upgraded sockets alone, and close waits for them.
        streams.close()
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
      peers.close()
      await storage.close()
    })()
    return closing
  }
  return { config, url, generation, incarnation, close }
}
