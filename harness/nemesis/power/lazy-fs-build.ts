/**
 * Builds lazyfs, the FUSE filesystem of the power nemesis (Go sources in ./lazyfs/), with
 * the machine's Go, once per version of the sources and of Go: the binary is cached as
 * `.tmp/lazyfs/lazyfs-<hash>` (git-ignored). Also says whether this machine can run it.
 */
import { execFile, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const SOURCES = fileURLToPath(new URL('./lazyfs/', import.meta.url))
const CACHE = fileURLToPath(new URL('../../../.tmp/lazyfs/', import.meta.url))

/** This machine cannot run lazyfs (no Linux, no /dev/fuse, no Go, no way to mount). */
export class LazyFsUnavailableError extends Error {
  override name = 'LazyFsUnavailableError'
}

export type LazyFsSupport = { ok: true } | { ok: false; reason: string }

/**
 * Whether lazyfs can be built and mounted here: Linux, a usable /dev/fuse, Go on the
 * PATH, and root (for a direct mount) or fusermount3. Builds nothing.
 */
export function lazyFsSupport(): LazyFsSupport {
  if (process.platform !== 'linux') return { ok: false, reason: `FUSE filesystems need Linux (this is ${process.platform})` }
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK)
  } catch {
    return { ok: false, reason: existsSync('/dev/fuse') ? '/dev/fuse is not readable and writable here' : 'no /dev/fuse on this machine' }
  }
  if (goVersion() === undefined)
    return { ok: false, reason: 'no Go toolchain on the PATH (`go version` failed): lazyfs is built from Go sources' }
  if (process.getuid?.() !== 0 && spawnSync('fusermount3', ['-V']).error) {
    return { ok: false, reason: 'not root and no fusermount3: run as root, or install fuse3' }
  }
  return { ok: true }
}

let building: Promise<string> | undefined

/**
 * Absolute path of the lazyfs binary for the current sources, built on first use (a Go
 * build takes seconds; the module proxy serves its one dependency). Throws
 * LazyFsUnavailableError when the machine cannot run it, and a plain Error with the
 * compiler's output when the build fails.
 */
export function ensureLazyFs(): Promise<string> {
  // Checked on every call: a cached build is no use once Go or /dev/fuse is gone.
  const support = lazyFsSupport()
  if (!support.ok) return Promise.reject(new LazyFsUnavailableError(`lazyfs cannot run here: ${support.reason}`))
  building ??= build().catch((error: unknown) => {
    building = undefined
    throw error
  })
  return building
}

async function build(): Promise<string> {
  const binary = join(CACHE, `lazyfs-${sourceHash()}`)
  if (existsSync(binary)) return binary
  mkdirSync(CACHE, { recursive: true })
  // Built beside the final name and renamed, so a concurrent build or run never sees half a file.
  const partial = `${binary}.${process.pid}.partial`
  try {
    await promisify(execFile)('go', ['build', '-trimpath', '-buildvcs=false', '-o', partial, '.'], {
      cwd: SOURCES,
      maxBuffer: 16 * 1024 * 1024,
    })
  } catch (error) {
    rmSync(partial, { force: true })
    const { stderr } = error as { stderr?: string }
    throw new Error(`building lazyfs (go build in ${SOURCES}) failed:\n${stderr || String(error)}`)
  }
  renameSync(partial, binary)
  for (const name of readdirSync(CACHE)) {
    if (name.startsWith('lazyfs-') && join(CACHE, name) !== binary && !name.endsWith('.partial')) rmSync(join(CACHE, name), { force: true })
  }
  return binary
}

function goVersion(): string | undefined {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : undefined
}

/** Hash of every source file and of the Go version: a change to either rebuilds. */
function sourceHash(): string {
  const hash = createHash('sha256').update(goVersion() ?? '')
  const files = readdirSync(SOURCES)
    .filter((name) => name.endsWith('.go') || name === 'go.mod' || name === 'go.sum')
    .sort()
  for (const name of files) hash.update(`\0${name}\0`).update(readFileSync(join(SOURCES, name)))
  return hash.digest('hex').slice(0, 16)
}
