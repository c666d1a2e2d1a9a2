/**
 * Building a Go program kept in this repository (a folder with go.mod, go.sum and .go
 * files) with the machine's Go, into a cache named by a digest of its sources, so each
 * version is built once: how the harness gets the programs it runs (etcd, lazyfs)
 * without fetching binaries.
 */
import { execFile, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export type GoToolchain = {
  /** How to run it (`go`, found on PATH). */
  path: string
  /** `go1.26.8` */
  version: string
}

/** `go` on the PATH of `env`, or undefined if there is none that answers. */
export function findGo(env: NodeJS.ProcessEnv = process.env): GoToolchain | undefined {
  const result = spawnSync('go', ['env', 'GOVERSION'], { env, encoding: 'utf8', timeout: 20_000 })
  const version = result.status === 0 ? result.stdout.trim() : ''
  return version.startsWith('go') ? { path: 'go', version } : undefined
}

/** A 16-hex-digit digest of the program's sources (go.mod, go.sum, *.go in `dir`) and of `extra`. */
export function goSourceDigest(dir: string, extra = ''): string {
  const hash = createHash('sha256').update(extra)
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.go') || name === 'go.mod' || name === 'go.sum')
    .sort()
  for (const name of files) hash.update(`\0${name}\0`).update(readFileSync(join(dir, name)))
  return hash.digest('hex').slice(0, 16)
}

export type GoBuild = {
  go: GoToolchain
  /** The program's folder. */
  dir: string
  /** Where the binary goes. */
  output: string
  /** More `go build` flags (`-trimpath -buildvcs=false` are always given: no paths or VCS state of this machine in the binary). */
  flags?: string[]
  /** The build's environment; default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Deadline for the build, ms; default 15 minutes. */
  timeoutMs?: number
}

/**
 * `go build` into a file beside `output`, renamed to it at the end, so a concurrent
 * build or a run never sees half a binary. Throws with the end of Go's output.
 */
export async function buildGoProgram({ go, dir, output, flags = [], env = process.env, timeoutMs = 15 * 60_000 }: GoBuild): Promise<void> {
  mkdirSync(dirname(output), { recursive: true })
  const partial = `${output}.${process.pid}.partial`
  try {
    const failure = await new Promise<string | undefined>((resolve) => {
      const args = ['build', '-trimpath', '-buildvcs=false', ...flags, '-o', partial, '.']
      execFile(go.path, args, { cwd: dir, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
        resolve(error ? `${stdout}${stderr}`.trim() || error.message : undefined),
      )
    })
    if (failure !== undefined) throw new Error(`go build in ${dir} failed:\n${failure.split('\n').slice(-30).join('\n')}`)
    await rename(partial, output)
  } finally {
    await rm(partial, { force: true })
  }
}
