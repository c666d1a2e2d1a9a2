/**
 * Finds the etcd server binary the harness runs: `ETCD_BIN` when it is set (checked: it
 * exists, is executable and answers `--version` like etcd), else the program in
 * `server/` (etcd v3.6 embedded through its own `etcdmain` entry point) built once with
 * the machine's Go from the Go module proxy and cached under `.tmp/etcd/<digest>/`, the
 * digest being that of the program's sources, so a change of version rebuilds.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { access, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const SERVER_DIR = fileURLToPath(new URL('./server/', import.meta.url))
const REPO_DIR = fileURLToPath(new URL('../../../', import.meta.url))
/** Where Go's own installer puts it, for machines where it is not on PATH. */
const DEFAULT_GOROOT = '/usr/local/go'
const PROGRESS_EVERY_MS = 15_000

export type EnsureEtcdOptions = {
  /** Folder for built binaries; default `<repo>/.tmp/etcd`. */
  cacheDir?: string
  /** Where `ETCD_BIN`, and the `PATH` and `GOROOT` that find Go, are read from; default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Receives progress lines while building; default: written to stderr. */
  onProgress?: (line: string) => void
}

/** Neither `ETCD_BIN` nor a Go toolchain: the message says how to get one. */
export class EtcdUnavailableError extends Error {}

const building = new Map<string, Promise<string>>()

/**
 * The path of an etcd binary: `ETCD_BIN` if set (rejected with a clear message if it is
 * not a working etcd), else the cached build, else a fresh build (about a minute).
 */
export async function ensureEtcd(options: EnsureEtcdOptions = {}): Promise<string> {
  const env = options.env ?? process.env
  if (env.ETCD_BIN) {
    await checkEtcdBinary(env.ETCD_BIN, 'ETCD_BIN')
    return env.ETCD_BIN
  }
  const target = await cachedBinaryPath(options.cacheDir)
  if (await isExecutable(target)) return target
  // One build per target at a time in this process; other processes build beside it and the last rename wins.
  let pending = building.get(target)
  if (!pending) {
    const progress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`))
    pending = build(target, env, progress).finally(() => building.delete(target))
    building.set(target, pending)
  }
  return pending
}

/** Why no etcd can be had here (no `ETCD_BIN`, no cached build, no Go), or undefined if one can. */
export async function etcdUnavailableReason(options: Pick<EnsureEtcdOptions, 'cacheDir' | 'env'> = {}): Promise<string | undefined> {
  const env = options.env ?? process.env
  if (env.ETCD_BIN) return undefined
  if (await isExecutable(await cachedBinaryPath(options.cacheDir))) return undefined
  if (await findGo(env)) return undefined
  return howToGetEtcd()
}

/** The etcd version the server program embeds, read from its go.mod (`3.6.16`). */
export async function embeddedEtcdVersion(): Promise<string> {
  const goMod = await readFile(join(SERVER_DIR, 'go.mod'), 'utf8')
  const match = /go\.etcd\.io\/etcd\/server\/v3 v(\S+)/.exec(goMod)
  if (!match) throw new Error(`${join(SERVER_DIR, 'go.mod')} does not require go.etcd.io/etcd/server/v3`)
  return match[1]
}

/** Checks that `path` is an executable etcd and returns its version (`3.6.16`). */
export async function checkEtcdBinary(path: string, source = 'the etcd binary'): Promise<string> {
  const info = await stat(path).catch(() => undefined)
  if (!info) throw new Error(`${source}=${path}: no such file. ${howToGetEtcd()}`)
  if (!info.isFile()) throw new Error(`${source}=${path}: not a file`)
  if (!(await isExecutable(path))) throw new Error(`${source}=${path}: not executable (chmod +x it)`)
  const { ok, output } = await run(path, ['--version'], { timeoutMs: 10_000 })
  const version = /etcd Version: (\S+)/.exec(output)?.[1]
  if (!ok || !version) throw new Error(`${source}=${path}: \`--version\` did not answer like etcd:\n${output.slice(0, 500)}`)
  return version
}

async function cachedBinaryPath(cacheDir = join(REPO_DIR, '.tmp', 'etcd')): Promise<string> {
  const digest = createHash('sha256')
  const sources = (await readdir(SERVER_DIR)).filter((name) => name === 'go.mod' || name === 'go.sum' || name.endsWith('.go')).sort()
  for (const name of sources)
    digest
      .update(name)
      .update('\0')
      .update(await readFile(join(SERVER_DIR, name)))
  return join(cacheDir, digest.digest('hex').slice(0, 16), 'etcd')
}

async function build(target: string, env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<string> {
  const go = await findGo(env)
  if (!go) throw new EtcdUnavailableError(howToGetEtcd())
  const version = await embeddedEtcdVersion()
  const shown = relative(process.cwd(), target) || target
  progress(`etcd: building etcd v${version} with ${go.version} into ${shown}`)
  progress('etcd: (no cached build for these sources of harness/stores/etcd/server; takes about a minute the first time)')
  const started = Date.now()
  const ticker = setInterval(() => progress(`etcd: still building (${Math.round((Date.now() - started) / 1000)} s)`), PROGRESS_EVERY_MS)
  const partial = `${target}.${process.pid}.partial`
  try {
    await mkdir(join(target, '..'), { recursive: true })
    // -mod=readonly: build exactly what go.sum pins; CGO off like etcd's own release builds.
    const { ok, output } = await run(go.path, ['build', '-mod=readonly', '-trimpath', '-o', partial, '.'], {
      cwd: SERVER_DIR,
      env: { ...env, CGO_ENABLED: '0' },
      timeoutMs: 15 * 60_000,
    })
    if (!ok) {
      const tail = output.trim().split('\n').slice(-30).join('\n')
      throw new Error(
        `building etcd with ${go.path} failed (the Go module proxy must be reachable, or set ETCD_BIN to an etcd 3.6 binary):\n${tail}`,
      )
    }
    await checkEtcdBinary(partial, 'the freshly built etcd')
    await rename(partial, target)
  } finally {
    clearInterval(ticker)
    await rm(partial, { force: true })
  }
  progress(`etcd: built in ${Math.round((Date.now() - started) / 1000)} s`)
  return target
}

type Go = { path: string; version: string }

/** `go` on PATH, else in GOROOT (default /usr/local/go). */
async function findGo(env: NodeJS.ProcessEnv): Promise<Go | undefined> {
  for (const candidate of ['go', join(env.GOROOT ?? DEFAULT_GOROOT, 'bin', 'go')]) {
    const { ok, output } = await run(candidate, ['env', 'GOVERSION'], { env, timeoutMs: 20_000 })
    if (ok && output.trim().startsWith('go')) return { path: candidate, version: output.trim() }
  }
  return undefined
}

function howToGetEtcd(): string {
  return (
    'No etcd binary and no Go toolchain to build one: install Go 1.26 or later (the harness then builds etcd 3.6 ' +
    'from the Go module proxy, once, into .tmp/etcd), or set ETCD_BIN to the path of an etcd 3.6 server binary.'
  )
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

type RunOptions = { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }

/** Runs a command to completion; `ok` false when it could not start, failed or timed out. */
function run(file: string, args: string[], { cwd, env, timeoutMs }: RunOptions): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ ok: !error, output: `${stdout}${stderr}${error && !stdout && !stderr ? error.message : ''}` })
    })
  })
}
