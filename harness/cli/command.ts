/**
 * Shared CLI plumbing: every subcommand is built with {@link defineCommand} so bad flags
 * and values print one clear message and exit with status 2, and `--help` shows defaults.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { parseAddress, type Address } from '../../common/helpers/address.ts'
import { StorageLockedError } from '../../store/errors.ts'

/** Exit status for a usage error (bad flag, bad value, bad config). */
export const USAGE_ERROR = 2

export function defineCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .exitOverride()
    .showHelpAfterError('(run with --help for every flag and its default)')
    .allowExcessArguments(false)
}

/**
 * Runs a program, turning commander's exits into status 0 (help) or 2 (usage), what the
 * user asked for that the system refused (a port in use, a folder that is a file) into
 * a one-line message and status 2, and any other failure into its message and status 1
 * (with the stack when QUORUMLAB_DEBUG is set).
 */
export async function runProgram(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv)
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : USAGE_ERROR
      return
    }
    const usage = error instanceof UsageError ? error : asUsageError(error)
    if (usage) {
      process.stderr.write(`error: ${usage.message}\n`)
      process.exitCode = USAGE_ERROR
      return
    }
    process.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`)
    if (process.env.QUORUMLAB_DEBUG) process.stderr.write(`${(error as Error).stack}\n`)
    process.exitCode = 1
  }
}

/** A problem with what the user typed, found after parsing (e.g. flags that clash). */
export class UsageError extends Error {}

/** System errors that come from what the user asked for, in words that say what to change. */
function asUsageError(error: unknown): UsageError | undefined {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string }
  if (error instanceof StorageLockedError) return new UsageError(error.message)
  switch (e?.code) {
    case 'EADDRINUSE':
      return new UsageError(`${e.address ?? 'the address'}:${e.port ?? '?'} is already in use (another node, proxy or server?)`)
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new UsageError(`cannot listen on ${e.address ?? e.hostname ?? 'that host'}: not an address of this machine`)
    case 'EACCES':
    case 'EPERM':
      return new UsageError(`permission denied: ${e.path ?? (e.port ? `port ${e.port}` : e.message)}`)
    case 'ENOTDIR':
    case 'EEXIST':
    case 'EISDIR':
      return new UsageError(
        `${e.path ?? 'a path'}: ${e.code === 'EISDIR' ? 'is a folder, expected a file' : 'is a file, expected a folder'}`,
      )
    default:
      return undefined
  }
}

// ---- option value parsers: each names what it expected ----

export function integerOption(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const value = Number(raw)
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
      throw new InvalidArgumentError(`expected an integer, got "${raw}"`)
    }
    if (value < min || value > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got ${value}`)
    }
    return value
  }
}

export function numberOption(min: number, max = Number.POSITIVE_INFINITY) {
  return (raw: string): number => {
    const value = Number(raw)
    if (raw.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError(`expected a number, got "${raw}"`)
    if (value < min || value > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got ${value}`)
    return value
  }
}

/** One of `choices`; the parser carries them (`parser.choices`), so a caller can list a flag's values. */
export function choiceOption<T extends string>(choices: readonly T[]) {
  const parse = (raw: string): T => {
    if (!(choices as readonly string[]).includes(raw)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${raw}"`)
    }
    return raw as T
  }
  return Object.assign(parse, { choices })
}

/** A comma list, each item read by `item` (e.g. `integerOption(1)`); an empty list is refused. */
export function listOption<T>(item: (raw: string) => T) {
  return (raw: string): T[] => {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    if (items.length === 0) throw new InvalidArgumentError(`expected a comma list, got "${raw}"`)
    return items.map(item)
  }
}

/** `host:port` (or `[v6]:port`) with a port from 1 to 65535. */
export function addressOption(raw: string): Address {
  const address = parseAddress(raw)
  if (!address) throw new InvalidArgumentError(`expected host:port with a port from 1 to 65535, got "${raw}"`)
  return address
}
