/**
 * Finds the etcd server binary the harness runs: `ETCD_BIN` when it is set (checked: it
 * exists, is executable and answers `--version` like etcd), else the program in
 * `server/` (etcd v3.6 embedded through its own `etcdmain` entry point) built once with
 * the machine's Go from the Go module proxy and cached as `.tmp/etcd/<digest>/etcd`, the
 * digest being that of the program's sources, so a change of version rebuilds.
 */
import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { access, readdir, readFile, rm, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildGoProgram, findGo, goSourceDigest } from '../../../common/helpers/go-build.ts'

const SERVER_DIR = fileURLToPath(new URL('./server/', import.meta.url))
const CACHE_DIR = fileURLToPath(new URL('../../../.tmp/etcd/', import.meta.url))
const PROGRESS_EVERY_MS = 15_000

export type EnsureEtcdOptions = {
  /** Folder for built binaries; default `<repo>/.tmp/etcd`. */
  cacheDir?: string
  /** Where `ETCD_BIN`, and the `PATH` that finds Go, are read from; default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Receives progress lines while building; default: written to stderr. */
  onProgress?: (line: string) => void
}

/** Neither `ETCD_BIN` nor a Go toolchain: the message says how to get one. */
export class EtcdUnavailableError extends Error {
  override name = 'EtcdUnavailableError'
}

const building = new Map<string, Promise<string>>()

/**
 * The path of an etcd binary: `ETCD_BIN` if set (rejected with a clear message if it is
 * not a working etcd), else the cached build, else a fresh build (a minute or more).
 */
export async function ensureEtcd(options: EnsureEtcdOptions = {}): Promise<string> {
  const env = options.env ?? process.env
  if (env.ETCD_BIN) {
    await checkEtcdBinary(env.ETCD_BIN, 'ETCD_BIN')
    return env.ETCD_BIN
  }
  const cacheDir = options.cacheDir ?? CACHE_DIR
  const target = join(cacheDir, goSourceDigest(SERVER_DIR), 'etcd')
  if (await isExecutable(target)) return target
  // One build per target at a time in this process; another process builds beside it and the last rename wins.
  let pending = building.get(target)
  if (!pending) {
    const progress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`))
    pending = build(target, env, progress).finally(() => building.delete(target))
    building.set(target, pending)
  }
  return pending.then(async (built) => {
    await removeOtherBuilds(cacheDir, built)
    return built
  })
}

/** Why no etcd can be had here (no `ETCD_BIN`, no cached build, no Go), or undefined if one can. */
export async function etcdUnavailableReason(options: Pick<EnsureEtcdOptions, 'cacheDir' | 'env'> = {}): Promise<string | undefined> {
  const env = options.env ?? process.env
  if (env.ETCD_BIN) return undefined
  if (await isExecutable(join(options.cacheDir ?? CACHE_DIR, goSourceDigest(SERVER_DIR), 'etcd'))) return undefined
  if (findGo(env)) return undefined
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
  const { ok, output } = await versionOutput(path)
  const version = /etcd Version: (\S+)/.exec(output)?.[1]
  if (!ok || !version) throw new Error(`${source}=${path}: \`--version\` did not answer like etcd:\n${output.slice(0, 500)}`)
  return version
}

async function build(target: string, env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<string> {
  const go = findGo(env)
  if (!go) throw new EtcdUnavailableError(howToGetEtcd())
  const shown = relative(process.cwd(), target) || target
  progress(`etcd: building etcd v${await embeddedEtcdVersion()} with ${go.version} into ${shown}`)
  progress('etcd: (no build yet for these sources of harness/stores/etcd/server; a minute or more the first time)')
  const started = Date.now()
  const seconds = (): number => Math.round((Date.now() - started) / 1000)
  const ticker = setInterval(() => progress(`etcd: still building (${seconds()} s)`), PROGRESS_EVERY_MS)
  try {
    // -mod=readonly: exactly what go.sum pins; CGO off like etcd's own release builds.
    await buildGoProgram({ go, dir: SERVER_DIR, output: target, flags: ['-mod=readonly'], env: { ...env, CGO_ENABLED: '0' } })
  } catch (error) {
    throw new Error(
      `building etcd failed (the Go module proxy must be reachable, or set ETCD_BIN to an etcd 3.6 binary): ${(error as Error).message}`,
    )
  } finally {
    clearInterval(ticker)
  }
  await checkEtcdBinary(target, 'the freshly built etcd')
  progress(`etcd: built in ${seconds()} s`)
  return target
}

/** Builds of older sources (folders named by a digest): 40 MB each, of no further use. */
async function removeOtherBuilds(cacheDir: string, kept: string): Promise<void> {
  const stale = (await readdir(cacheDir).catch(() => [])).filter(
    (name) => /^[0-9a-f]{16}$/.test(name) && join(cacheDir, name, 'etcd') !== kept,
  )
  await Promise.all(stale.map((name) => rm(join(cacheDir, name), { recursive: true, force: true })))
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

function versionOutput(path: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(path, ['--version'], { timeout: 10_000 }, (error, stdout, stderr) => {
      resolve({ ok: !error, output: `${stdout}${stderr}` || (error?.message ?? '') })
    })
  })
}
