/**
 * A local etcd cluster: members n1..nN as child processes, each with its data in
 * `<dataDir>/nI` and its output in `<logDir>/nI.log`, on free 127.0.0.1 ports unless told
 * other addresses (a network mode binds members inside namespaces and starts them through
 * a launcher). Jepsen's DB protocol for etcd: start and stop the cluster; start, stop,
 * kill -9, restart, pause and resume one member (a member always starts again from its
 * data dir); and `ready()`: every running member healthy and agreeing on a leader.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { type Address, httpUrl } from '../../../common/helpers/address.ts'
import { HttpEndpoint } from '../../../common/helpers/http-endpoint.ts'
import type { NodeControl } from '../../adapter/index.ts'
import { nodeControl } from '../../cluster/node-control.ts'
import { freePorts } from '../../cluster/ports.ts'
import type { EtcdEndpoint } from './client.ts'
import type { ProcessControl } from '../../cluster/process-control.ts'
import { logTail, spawnLogged } from '../../cluster/logged-process.ts'

/** Where one member listens and is reached. */
export type EtcdMemberAddresses = {
  /** Clients reach the member here (its gRPC and JSON gateway port). */
  client: Address
  /** Other members reach it here. */
  peer: Address
  /** Where it binds for clients, if not `client` (e.g. `0.0.0.0` inside a namespace). */
  listenClient?: Address
  /** Where it binds for peers, if not `peer`. */
  listenPeer?: Address
}

export type EtcdClusterOptions = {
  /** The etcd server binary (see `ensureEtcd`). */
  binary: string
  /** Members, named n1..nN: 1 to 9, usually 3 or 5. */
  nodes: number
  /** Member nI keeps its data in `<dataDir>/nI`. */
  dataDir: string
  /** Member nI writes its output to `<logDir>/nI.log`; default `dataDir`. */
  logDir?: string
  /** One per member, in order; default 127.0.0.1 on free ports. */
  addresses?: EtcdMemberAddresses[]
  /** Command words put before etcd's for member `id` (e.g. `ip netns exec ns-n1`); the launcher must exec etcd so signals reach it. */
  launcher?: (id: string) => string[]
  /** Raft heartbeat interval, ms (etcd's default 100). */
  heartbeatMs?: number
  /** Raft election timeout, ms (etcd's default 1000). */
  electionMs?: number
  /** More etcd flags for every member. */
  extraArgs?: string[]
  /** How long `start()` and `ready()` wait for a healthy cluster, ms; default 30000. */
  readyTimeoutMs?: number
}

export type EtcdMember = {
  id: string
  addresses: EtcdMemberAddresses
  dataDir: string
  logFile: string
}

const POLL_MS = 100
const PROBE_TIMEOUT_MS = 1000

export class EtcdCluster {
  readonly members: readonly EtcdMember[]
  #options: EtcdClusterOptions
  /** The process of each member started at least once. */
  #controls = new Map<string, ProcessControl>()
  #initialCluster: string
  #token = `quorumlab-${randomBytes(6).toString('hex')}`
  #probes: Map<string, HttpEndpoint>

  private constructor(options: EtcdClusterOptions, members: EtcdMember[]) {
    this.#options = options
    this.members = members
    this.#initialCluster = members.map((m) => `${m.id}=${httpUrl(m.addresses.peer)}`).join(',')
    this.#probes = new Map(members.map((m) => [m.id, new HttpEndpoint(m.addresses.client)]))
  }

  /** Lays the cluster out (picking free ports when no addresses are given); nothing runs until `start()`. */
  static async create(options: EtcdClusterOptions): Promise<EtcdCluster> {
    const { nodes, addresses } = options
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new Error(`nodes must be an integer from 1 to 9, got ${nodes}`)
    if (addresses && addresses.length !== nodes) throw new Error(`${nodes} nodes need ${nodes} addresses, got ${addresses.length}`)
    let laidOut = addresses
    if (!laidOut) {
      const ports = await freePorts(2 * nodes)
      laidOut = Array.from({ length: nodes }, (_, i) => ({
        client: { host: '127.0.0.1', port: ports[2 * i] },
        peer: { host: '127.0.0.1', port: ports[2 * i + 1] },
      }))
    }
    const logDir = options.logDir ?? options.dataDir
    // Named n1..nN like the reference store's nodes.
    const members = laidOut.map((member, i) => {
      const id = `n${i + 1}`
      return { id, addresses: member, dataDir: join(options.dataDir, id), logFile: join(logDir, `${id}.log`) }
    })
    return new EtcdCluster(options, members)
  }

  get ids(): string[] {
    return this.members.map((m) => m.id)
  }

  /** Every member's id and client address, in order (n1, n2...), for {@link EtcdClient}. */
  get nodes(): EtcdEndpoint[] {
    return this.members.map((m) => ({ id: m.id, ...m.addresses.client }))
  }

  /** `http://host:port` of a member's client port. */
  clientUrl(id: string): string {
    return httpUrl(this.member(id).addresses.client)
  }

  member(id: string): EtcdMember {
    const member = this.members.find((m) => m.id === id)
    if (!member) throw new Error(`no node ${id} in this cluster (nodes: ${this.ids.join(', ')})`)
    return member
  }

  /** The member's process id while it runs. */
  pid(id: string): number | undefined {
    return this.running(id) ? this.#control(id)?.child.pid : undefined
  }

  running(id: string): boolean {
    return this.#control(id)?.running ?? false
  }

  /** Starts every member and waits until the cluster is ready; on failure stops them all and rethrows. */
  async start(): Promise<void> {
    try {
      for (const member of this.members) await this.#spawn(member)
      await this.ready()
    } catch (error) {
      await this.stop()
      throw error
    }
  }

  /**
   * Stops every member (SIGTERM, then SIGKILL after `graceMs`), the leader last: a leader
   * stopped with its followers tries to hand over leadership to one of them that is going
   * away too, and waits out its timeout. Safe to call more than once.
   */
  async stop(graceMs = 5000): Promise<void> {
    const leader = await this.leader()
    const followers = this.ids.filter((id) => id !== leader)
    await Promise.all(followers.map((id) => this.#control(id)?.stop(graceMs)))
    if (leader) await this.#control(leader)?.stop(graceMs)
    for (const probe of this.#probes.values()) probe.close()
  }

  /** Starts a member that is down (never started, stopped or killed) from its data dir; resolves once it serves clients (not once it caught up). */
  async startNode(id: string): Promise<void> {
    await this.#spawn(this.member(id))
    await this.#poll(`${id} to serve`, [id], async () => ((await this.#get(id, '/livez'))?.status === 200 ? true : 'not serving yet'))
  }

  /** Stops one member: SIGTERM, then SIGKILL after `graceMs` ms. */
  async stopNode(id: string, graceMs = 5000): Promise<void> {
    await this.#control(id)?.stop(graceMs)
  }

  /** kill -9 one member. */
  async kill(id: string): Promise<void> {
    await this.#control(id)?.kill()
  }

  /** Stops the member if it runs (a killed one is just started), then starts it again from its data dir. */
  async restart(id: string, graceMs = 5000): Promise<void> {
    await this.stopNode(id, graceMs)
    await this.startNode(id)
  }

  /** SIGSTOP one member, resolving once it is stopped: it keeps its connections and answers nothing. */
  async pause(id: string): Promise<void> {
    await this.#control(id)?.pause()
  }

  /** SIGCONT one member. */
  async resume(id: string): Promise<void> {
    this.#control(id)?.resume()
  }

  /** The same control as the adapter seam's {@link NodeControl}, for the crash and pause nemeses. */
  get control(): NodeControl {
    return nodeControl(
      new Map(
        this.ids.map((id) => [
          id,
          {
            start: () => this.startNode(id),
            stop: () => this.stopNode(id),
            kill: () => this.kill(id),
            pause: () => this.pause(id),
            resume: () => this.resume(id),
          },
        ]),
      ),
    )
  }

  /**
   * Waits until every running member answers `/health` true and all of them name the same
   * leader; throws after the deadline (default `readyTimeoutMs`) with what each member said,
   * or as soon as a member exits, with the end of its log.
   */
  async ready(timeoutMs = this.#options.readyTimeoutMs ?? 30_000): Promise<void> {
    const ids = this.ids.filter((id) => this.running(id))
    if (ids.length === 0) throw new Error('no etcd member is running')
    await this.#poll(
      'a healthy etcd cluster with a leader',
      ids,
      async () => {
        const leaders = await Promise.all(ids.map((id) => this.#healthyLeader(id)))
        const problems = leaders.flatMap((l, i) => (l.startsWith('leader ') ? [] : [`${ids[i]}: ${l}`]))
        if (problems.length > 0) return problems.join('; ')
        return new Set(leaders).size === 1 ? true : `members disagree on the leader: ${leaders.join(', ')}`
      },
      timeoutMs,
    )
  }

  /** The id of the member the running members agree is the leader, or undefined if they do not agree on one. */
  async leader(): Promise<string | undefined> {
    const ids = this.ids.filter((id) => this.running(id) && !this.#control(id)?.paused)
    const statuses = await Promise.all(ids.map((id) => this.#status(id)))
    const byMemberId = new Map(statuses.flatMap((s, i) => (s ? [[s.memberId, ids[i]] as const] : [])))
    const named = new Set(statuses.map((s) => (s && s.leader !== '0' ? byMemberId.get(s.leader) : undefined)))
    if (named.size !== 1) return undefined
    return [...named][0]
  }

  /** The member's process, if it was ever started; throws for an unknown id. */
  #control(id: string): ProcessControl | undefined {
    this.member(id)
    return this.#controls.get(id)
  }

  async #spawn(member: EtcdMember): Promise<void> {
    if (this.running(member.id)) throw new Error(`${member.id} is already running`)
    this.#controls.set(member.id, await spawnLogged(this.#argv(member), member.logFile))
  }

  #argv(member: EtcdMember): string[] {
    const { binary, launcher, heartbeatMs, electionMs, extraArgs = [] } = this.#options
    const { client, peer, listenClient = client, listenPeer = peer } = member.addresses
    return [
      ...(launcher?.(member.id) ?? []),
      binary,
      `--name=${member.id}`,
      `--data-dir=${member.dataDir}`,
      `--listen-client-urls=${httpUrl(listenClient)}`,
      `--advertise-client-urls=${httpUrl(client)}`,
      `--listen-peer-urls=${httpUrl(listenPeer)}`,
      `--initial-advertise-peer-urls=${httpUrl(peer)}`,
      `--initial-cluster=${this.#initialCluster}`,
      `--initial-cluster-token=${this.#token}`,
      '--initial-cluster-state=new',
      ...(heartbeatMs === undefined ? [] : [`--heartbeat-interval=${heartbeatMs}`]),
      ...(electionMs === undefined ? [] : [`--election-timeout=${electionMs}`]),
      ...extraArgs,
    ]
  }

  /** `leader <member id>` when the member is healthy and knows a leader, else what is wrong. */
  async #healthyLeader(id: string): Promise<string> {
    const health = await this.#get(id, '/health')
    if (!health) return 'no answer to /health'
    if (health.status !== 200 || !health.body.includes('"health":"true"')) return `/health: ${health.status} ${health.body.trim()}`
    const status = await this.#status(id)
    if (!status) return 'no answer to /v3/maintenance/status'
    return status.leader === '0' ? 'no leader' : `leader ${status.leader}`
  }

  /** The member's own id and its leader's (decimal strings, as etcd writes uint64; `0` = no leader). */
  async #status(id: string): Promise<{ memberId: string; leader: string } | undefined> {
    const probe = this.#probes.get(id)!
    try {
      const { status, body } = await probe.request({
        method: 'POST',
        path: '/v3/maintenance/status',
        body: '{}',
        timeoutMs: PROBE_TIMEOUT_MS,
      })
      if (status !== 200) return undefined
      const parsed = JSON.parse(body) as { header?: { member_id?: string }; leader?: string }
      const memberId = parsed.header?.member_id
      return memberId ? { memberId, leader: parsed.leader ?? '0' } : undefined
    } catch {
      return undefined
    }
  }

  async #get(id: string, path: string): Promise<{ status: number; body: string } | undefined> {
    try {
      return await this.#probes.get(id)!.request({ method: 'GET', path, timeoutMs: PROBE_TIMEOUT_MS })
    } catch {
      return undefined
    }
  }

  /** Polls `check` (true = done, a string = what is still wrong) until the deadline; a member of `ids` exiting ends it early. */
  async #poll(what: string, ids: string[], check: () => Promise<true | string>, timeoutMs = this.#options.readyTimeoutMs ?? 30_000) {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const dead = ids.find((id) => !this.running(id))
      if (dead) {
        const { logFile } = this.member(dead)
        const status = this.#control(dead)?.exitStatus ?? 'never started'
        throw new Error(`etcd ${dead} exited (${status}) while waiting for ${what}; end of ${logFile}:\n${await logTail(logFile)}`)
      }
      const result = await check()
      if (result === true) return
      if (performance.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms: ${result}`)
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }
}
