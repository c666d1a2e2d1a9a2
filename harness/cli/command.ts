/**
 * Shared CLI plumbing: every subcommand is built with {@link defineCommand} so bad flags
 * and values print one clear message and exit 254, `--help` shows defaults and the exit
 * codes, and {@link runProgram} ends every command through the one exit-code table.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { parseAddress, type Address } from '../../common/helpers/address.ts'
import { StorageLockedError } from '../../store/errors.ts'
import { isFailedCommit } from '../../store/storage.ts'
import { EXIT, exitCodesHelp } from '../../common/contracts/exit-codes.ts'
import { keepWritingAfterClosedOutput } from './output.ts'

/** What `--help` shows after the options, before the exit codes: command lines, each with what it does. */
export type HelpExamples = readonly (readonly [commandLine: string, what: string])[]

export function defineCommand(name: string, description: string, examples: HelpExamples = []): Command {
  const command = new Command(name)
    .description(description)
    .exitOverride()
    .showHelpAfterError('(run with --help for every flag and its default)')
    .allowExcessArguments(false)
  if (examples.length > 0) {
    command.addHelpText('after', ['', 'Examples:', ...examples.flatMap(([line, what]) => [`  ${line}`, `      ${what}`])].join('\n'))
  }
  return command.addHelpText('after', exitCodesHelp())
}

/** Writes an error's message (and its stack with QUORUMLAB_DEBUG) to stderr. */
function printError(error: unknown): void {
  process.stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`)
  if (process.env.QUORUMLAB_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`)
}

/**
 * What the `quorumlab` process does whatever the command: output nobody reads any more
 * does not kill it, and an error that escapes every command (a callback's throw) exits
 * 255 with its message, not node's 1 with a stack.
 */
export function guardProcess(): void {
  keepWritingAfterClosedOutput()
  const crash = (error: unknown): void => {
    printError(error)
    process.exit(EXIT.internal)
  }
  process.on('uncaughtException', crash)
  // A store node's failed commit (a full disk) is answered to its writer; the node lives on.
  process.on('unhandledRejection', (reason) => (isFailedCommit(reason) ? undefined : crash(reason)))
}

/**
 * Runs a program and resolves with its exit code (also set as `process.exitCode`):
 * commander's exits become 0 (help, version) or 254 (a bad flag); what the user asked for
 * that the system refused (a port in use, a folder that is a file) a one-line message and
 * 254; any other failure its message and 255. A command's own result is the exit code it set.
 */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv)
    return Number(process.exitCode ?? EXIT.valid)
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.valid : EXIT.usage
      return process.exitCode
    }
    const usage = error instanceof UsageError ? error : asUsageError(error)
    printError(usage ?? error)
    process.exitCode = usage ? EXIT.usage : EXIT.internal
    return process.exitCode
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

type TimeUnit = 'ms' | 's'
const MS_PER: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** How a duration flag's range reads in its help and errors: `100ms..10m` style, in the flag's unit. */
export function durationRange(unit: TimeUnit, min: number, max: number): string {
  return `${min}..${max} ${unit}`
}

/**
 * A duration: a plain number counts in the flag's `unit`, or a number with a unit
 * (`500ms`, `10s`, `2m`, `1h`); the value, in `unit`, must be whole and within min..max.
 * The one convention of every time flag (README, "Units").
 */
export function durationOption(unit: TimeUnit, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(raw)
    if (!match) {
      throw new InvalidArgumentError(`expected a duration: a number of ${unit}, or one with a unit (500ms, 10s, 2m), got "${raw}"`)
    }
    const value = Math.round(((Number(match[1]) * MS_PER[match[2] ?? unit]) / MS_PER[unit]) * 1e6) / 1e6
    if (!Number.isInteger(value)) throw new InvalidArgumentError(`expected a whole number of ${unit}, got "${raw}"`)
    if (value < min || value > max) {
      const plain = match[2] ? '' : ` (a plain number counts ${unit}; add a unit, e.g. ${match[1]}s, to mean another)`
      throw new InvalidArgumentError(`expected ${durationRange(unit, min, max)}, got "${raw}"${plain}`)
    }
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
