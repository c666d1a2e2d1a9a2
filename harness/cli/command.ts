/**
 * Shared CLI plumbing: every subcommand is built with {@link defineCommand} so bad flags
 * and values print one clear message and exit with status 2, and `--help` shows defaults.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander'

/** Exit status for a usage error (bad flag, bad value, bad config). */
export const USAGE_ERROR = 2

export function defineCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .exitOverride()
    .showHelpAfterError('(run with --help for every flag and its default)')
    .allowExcessArguments(false)
}

/** Runs a program, turning commander's exits into status 0 (help) or 2 (usage). */
export async function runProgram(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv)
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : USAGE_ERROR
      return
    }
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`)
      process.exitCode = USAGE_ERROR
      return
    }
    throw error
  }
}

/** A problem with what the user typed, found after parsing (e.g. flags that clash). */
export class UsageError extends Error {}

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

export function choiceOption<T extends string>(choices: readonly T[]) {
  return (raw: string): T => {
    if (!(choices as readonly string[]).includes(raw)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${raw}"`)
    }
    return raw as T
  }
}

/** `host:port` with a port from 1 to 65535. */
export function parseAddress(raw: string): { host: string; port: number } {
  const at = raw.lastIndexOf(':')
  const host = raw.slice(0, at)
  const port = Number(raw.slice(at + 1))
  if (at <= 0 || !/^\d+$/.test(raw.slice(at + 1)) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`expected host:port with a port from 1 to 65535, got "${raw}"`)
  }
  return { host, port }
}
