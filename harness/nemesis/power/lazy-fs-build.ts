/**
 * Builds lazyfs, the FUSE filesystem of the power nemesis (Go sources in ./lazyfs/), with
 * the machine's Go, once per version of the sources and of Go: the binary is cached as
 * `.tmp/lazyfs/lazyfs-<hash>` (git-ignored). Also says whether this machine can run it.
 */
import { spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildGoProgram, findGo, goSourceDigest } from '../../../common/helpers/go-build.ts'

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
  if (findGo() === undefined)
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
  const go = findGo()
  if (!go) throw new LazyFsUnavailableError('lazyfs cannot run here: no Go toolchain on the PATH')
  // The Go version is part of the name: a new Go rebuilds.
  const binary = join(CACHE, `lazyfs-${goSourceDigest(SOURCES, go.version)}`)
  if (existsSync(binary)) return binary
  try {
    await buildGoProgram({ go, dir: SOURCES, output: binary })
  } catch (error) {
    throw new Error(`building lazyfs failed: ${(error as Error).message}`)
  }
  for (const name of readdirSync(CACHE)) {
    if (name.startsWith('lazyfs-') && join(CACHE, name) !== binary && !name.endsWith('.partial')) rmSync(join(CACHE, name), { force: true })
  }
  return binary
}
