/**
 * docker-compose, checked without Docker: the committed file is what the generator
 * writes, its services, ports and cluster config agree with what the harness expects,
 * and the same layout on loopback (the proxy and every node as separate processes,
 * configured as the containers are) runs a workload with a crash nemesis in external mode.
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import { parse } from 'yaml'
import { DEFAULT_STORE_SETTINGS } from '../../../store/config.ts'
import { eventually } from '../../cluster/testing.ts'
import { CLUSTER_CONFIG_PATH, composeYaml, containerName, TOXIPROXY_IMAGE } from './compose-file.ts'
import { clusterConfigProblems, type ExternalClusterConfig } from './external-cluster.ts'
import { COMPOSE_SECRET_FILE, deployment, type DeploymentPorts } from './deployment.ts'
import { QUORUMLAB_BIN } from './node-process.ts'
import { STORE_SEMI_SPACE } from './node-command.ts'
import { freePorts } from '../../cluster/ports.ts'
import type { HistoryRecord } from '../../../common/contracts/history.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const DEFAULT_SETTINGS = DEFAULT_STORE_SETTINGS

const hasComposeClient = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0

type Service = {
  image?: string
  command?: string[]
  volumes?: string[]
  container_name?: string
  environment?: Record<string, string>
  configs?: { source: string; target: string }[]
  group_add?: string[]
  depends_on?: Record<string, { condition: string }>
}

test.group('docker compose (static)', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('the committed docker-compose.yml is what `npm run compose` writes', ({ assert }) => {
    const committed = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')
    assert.equal(committed, composeYaml(3, DEFAULT_SETTINGS), 'regenerate with: npm run compose -- --out docker-compose.yml')
  })

  test('services, ports and the cluster config agree with what the harness expects', ({ assert }) => {
    const doc = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, Service>
      volumes: Record<string, unknown>
      configs: Record<string, { content: string }>
    }
    assert.equal(doc.services.toxiproxy.image, TOXIPROXY_IMAGE)
    const config = JSON.parse(doc.configs.cluster.content) as ExternalClusterConfig
    assert.deepEqual(clusterConfigProblems(config), [])
    assert.equal(config.toxiproxy, 'http://toxiproxy:8474')
    assert.include(doc.services.toxiproxy.command!.join(' '), '-port 8474')
    const ids = config.nodes.map((n) => n.id)
    assert.deepEqual(ids, ['n1', 'n2', 'n3'])
    for (const node of config.nodes) {
      const service = doc.services[node.id]
      assert.isDefined(service, `a service per node: ${node.id}`)
      const args = service.command!
      assert.equal(args[0], 'store')
      const flag = (name: string): string => args[args.indexOf(name) + 1]
      assert.equal(flag('--id'), node.id)
      assert.equal(`${node.id}:${flag('--port')}`, node.address, 'the proxy reaches the node where it listens')
      assert.equal(flag('--host'), '0.0.0.0')
      const peers = args.flatMap((a, i) => (a === '--peer' ? [args[i + 1]] : []))
      assert.lengthOf(peers, ids.length - 1)
      for (const peer of peers) {
        const [peerId, address] = peer.split('=')
        const port = config.links.peer[`${node.id}-${peerId}`].listen.split(':')[1]
        assert.equal(address, `toxiproxy:${port}`, `${node.id} reaches ${peerId} through its link`)
      }
      assert.include(service.volumes!, `${node.id}-data:${flag('--data-dir')}`)
      assert.notInclude(args, '--token', 'the file holds no secret')
      assert.equal(flag('--token-file'), COMPOSE_SECRET_FILE)
      assert.include(service.volumes!, 'secret:/secret:ro')
      assert.deepEqual(service.depends_on, { secret: { condition: 'service_completed_successfully' } })
      assert.property(doc.volumes, `${node.id}-data`)
      assert.equal(service.container_name, containerName(node.id))
      assert.deepEqual(service.environment, { NODE_OPTIONS: STORE_SEMI_SPACE }, 'the Node flags the harness starts a node with')
      assert.equal((config.control as { containers: Record<string, string> }).containers[node.id], containerName(node.id))
      assert.equal(config.links.client[node.id].connect, `toxiproxy:${config.links.client[node.id].listen.split(':')[1]}`)
    }
    assert.equal(config.store.tokenFile, COMPOSE_SECRET_FILE)
    assert.notProperty(config.store, 'token')
    assert.include(doc.services.secret.volumes!, 'secret:/secret')
    assert.include(doc.services.harness.volumes!, 'secret:/secret:ro')
    assert.property(doc.volumes, 'secret')
    const harness = doc.services.harness
    const command = harness.command!
    assert.equal(command[0], 'workload')
    assert.equal(command[command.indexOf('--cluster') + 1], CLUSTER_CONFIG_PATH)
    assert.deepInclude(harness.configs!, { source: 'cluster', target: CLUSTER_CONFIG_PATH })
    assert.include(harness.volumes!, './runs:/runs')
    assert.include(harness.volumes!, '/var/run/docker.sock:/var/run/docker.sock')
    assert.equal(command[command.indexOf('--out') + 1], '/runs')
  })

  test('the Dockerfile is multi-stage and runs as a non-root user', ({ assert }) => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    assert.isAtLeast(dockerfile.match(/^FROM /gm)!.length, 2)
    assert.match(dockerfile, /^USER node$/m)
    assert.match(dockerfile, /npm ci --omit=dev/)
    assert.match(dockerfile, /ENTRYPOINT \["node", "bin\/quorumlab.js"\]/)
  })

  test('docker compose config accepts the file', ({ assert }) => {
    const result = spawnSync('docker', ['compose', '-f', join(ROOT, 'docker-compose.yml'), 'config', '-q'], { encoding: 'utf8' })
    assert.equal(result.status, 0, result.stderr)
  }).skip(!hasComposeClient, 'no `docker compose` client on this machine')
})

test.group('external mode, laid out as docker compose', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('proxy and nodes as separate processes; a workload with a crash nemesis runs through them', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-external-'))
    const pidFiles: string[] = []
    let proxyProcess: ReturnType<typeof spawn> | undefined
    cleanup(async () => {
      for (const file of pidFiles) {
        if (!existsSync(file)) continue
        const pid = Number(readFileSync(file, 'utf8'))
        try {
          process.kill(pid, 'SIGCONT')
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      proxyProcess?.kill('SIGKILL')
      await rm(dir, { recursive: true, force: true })
    })

    // The proxy: the real Toxiproxy CI started (TOXIPROXY_URL), else the embedded one as its own process.
    let apiPort: number
    if (process.env.TOXIPROXY_URL) {
      apiPort = Number(new URL(process.env.TOXIPROXY_URL).port)
    } else {
      ;[apiPort] = await freePorts(1)
      proxyProcess = spawn(process.execPath, [QUORUMLAB_BIN, 'toxiproxy', '--host', '127.0.0.1', '--port', String(apiPort)], {
        stdio: 'ignore',
      })
      await eventually('the embedded proxy to serve', async () => (await fetch(`http://127.0.0.1:${apiPort}/version`)).ok)
    }

    const ids = ['n1', 'n2', 'n3']
    const ports = await freePorts(ids.length * 2 + ids.length * (ids.length - 1))
    const peerIndex = (i: number, j: number): number => 2 * ids.length + (i - 1) * (ids.length - 1) + (j < i ? j - 1 : j - 2)
    const layoutPorts: DeploymentPorts = {
      api: apiPort,
      node: (i) => ports[i - 1],
      client: (i) => ports[ids.length + i - 1],
      peer: (i, j) => ports[peerIndex(i, j)],
    }
    const settings = { ...DEFAULT_SETTINGS, gossipIntervalMs: 200, antiEntropyIntervalMs: 1000, replicaTimeoutMs: 500 }
    const control = {
      type: 'command' as const,
      crash: `kill -9 $(cat ${dir}/{node}.pid)`,
      restart: `sh ${dir}/{node}.start`,
      pause: `kill -STOP $(cat ${dir}/{node}.pid)`,
      resume: `kill -CONT $(cat ${dir}/{node}.pid)`,
    }
    // As the compose file's secret service does: one secret for this deployment, in a file.
    const secretFile = join(dir, 'secret')
    writeFileSync(secretFile, randomBytes(24).toString('base64url'), { mode: 0o600 })
    const layout = deployment({
      nodes: ids.length,
      settings,
      style: 'local',
      ports: layoutPorts,
      control,
      dataRoot: join(dir, 'data'),
      secretFile,
    })
    const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`
    for (const node of layout.nodes) {
      const pidFile = join(dir, `${node.id}.pid`)
      pidFiles.push(pidFile)
      const health = `http://127.0.0.1:${node.listen.port}/health`
      const script = [
        '#!/bin/sh',
        `cd ${quote(ROOT)}`,
        `NODE_OPTIONS=${quote(STORE_SEMI_SPACE)} nohup ${quote(process.execPath)} ${quote(QUORUMLAB_BIN)} store ${node.args.map(quote).join(' ')} >> ${quote(join(dir, `${node.id}.log`))} 2>&1 &`,
        `echo $! > ${quote(pidFile)}`,
        // Like a container's health check: back when the node serves.
        `for i in $(seq 1 200); do ${quote(process.execPath)} -e "fetch('${health}').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && exit 0; sleep 0.1; done`,
        'exit 1',
      ].join('\n')
      const file = join(dir, `${node.id}.start`)
      writeFileSync(file, `${script}\n`)
      chmodSync(file, 0o755)
    }
    const started = layout.nodes.map((node) => spawnSync('sh', [join(dir, `${node.id}.start`)], { encoding: 'utf8', timeout: 30_000 }))
    for (const result of started) assert.equal(result.status, 0, result.stderr)
    const configFile = join(dir, 'cluster.json')
    writeFileSync(configFile, JSON.stringify(layout.config, null, 2))

    const run = spawnSync(
      process.execPath,
      [
        QUORUMLAB_BIN,
        'workload',
        '--cluster',
        configFile,
        '--nemesis',
        'crash',
        '--nemesis-interval',
        '2',
        '--time',
        '6',
        '--warmup',
        '1',
        '--rate',
        '80',
        '--concurrency',
        '4',
        '--convergence-timeout',
        '20',
        '--out',
        join(dir, 'runs'),
        '--no-progress',
      ],
      { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TOXIPROXY_URL: '' } },
    )
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`)
    const history = readFileSync(join(dir, 'runs', 'latest', 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as HistoryRecord)
    const crashes = history.filter((r) => r.process === 'nemesis' && r.f === 'start')
    assert.isAtLeast(crashes.length, 1)
    for (const event of history.filter((r) => r.process === 'nemesis')) assert.notProperty((event as { value: object }).value, 'error')
    assert.isTrue(history.some((r) => typeof r.process === 'number' && r.phase === 'final' && r.type === 'ok'))
    const runInfo = history[0] as { f: string; value: { nodes: string[] } }
    assert.equal(runInfo.f, 'run')
    assert.deepEqual(runInfo.value.nodes, ids)
  })
})
