/**
 * The store's shared settings as commander options: the `store`, `cluster`, `workload`
 * and `compose` commands register them from the one table of setting flags
 * (`harness/stores/quorumlab/node-command.ts`) and read them back from it.
 */
import { InvalidArgumentError, Option, type Command } from 'commander'
import {
  ConfigError,
  consistencyFixes,
  DEFAULT_STORE_SETTINGS,
  NODE_ID_PATTERN,
  validateSettings,
  type PeerAddress,
  type StoreSettings,
} from '../../store/config.ts'
import { SETTING_FLAGS, type SettingFlag, type SettingValue } from '../stores/quorumlab/index.ts'
import { addressOption, choiceOption, durationOption, integerOption, numberOption, UsageError } from './command.ts'

function parserOf(value: SettingValue): ((raw: string) => unknown) | undefined {
  switch (value.type) {
    case 'integer':
      return integerOption(value.min, value.max)
    case 'number':
      return numberOption(value.min, value.max)
    case 'duration':
      return durationOption(value.unit, value.min, value.max)
    case 'choice':
      return choiceOption(value.choices)
    case 'text':
      return undefined
  }
}

const optionOf = (flag: SettingFlag): Option => {
  const option = new Option(flag.flags, flag.description)
  const parse = flag.kind === 'value' ? parserOf(flag.value) : undefined
  if (parse) option.argParser(parse)
  if (flag.kind !== 'off') option.default(DEFAULT_STORE_SETTINGS[flag.key])
  return option
}

/** Adds every store setting flag, under the help heading `group` when given. */
export function addStoreOptions(command: Command, group?: string): Command {
  for (const flag of SETTING_FLAGS) command.addOption(group ? optionOf(flag).helpGroup(group) : optionOf(flag))
  return command
}

/** The settings out of the parsed flags of a command built with {@link addStoreOptions}. */
export function storeSettings(flags: Record<string, unknown>): StoreSettings {
  return Object.fromEntries(SETTING_FLAGS.map((flag) => [flag.key, flags[optionOf(flag).attributeName()]])) as StoreSettings
}

/**
 * The settings out of the parsed flags, checked for a cluster of `nodes` nodes, with what
 * their consistency mode sets itself (see {@link sayConsistencyFixes}); a problem is a
 * {@link UsageError} naming every flag that is wrong.
 */
export function checkedStoreSettings(flags: Record<string, unknown>, nodes: number): StoreSettings {
  try {
    return validateSettings(storeSettings(flags), nodes)
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.problems.join('\n       '))
    throw error
  }
}

/** Tells, on stderr, what the consistency mode of the parsed flags sets itself, whatever the other flags said. */
export function sayConsistencyFixes(flags: Record<string, unknown>): void {
  const asked = storeSettings(flags)
  for (const { path, value, why } of consistencyFixes(asked)) {
    console.error(`note: --consistency ${asked.consistency} sets ${path}=${value} (${why})`)
  }
}

/** `--peer n2=127.0.0.1:7002`, repeatable. */
export function collectPeer(raw: string, previous: PeerAddress[]): PeerAddress[] {
  const eq = raw.indexOf('=')
  const id = raw.slice(0, eq)
  if (eq <= 0 || !NODE_ID_PATTERN.test(id)) {
    throw new InvalidArgumentError(`expected <id>=<host>:<port> with an id of letters, digits or _, got "${raw}"`)
  }
  return [...previous, { id, ...addressOption(raw.slice(eq + 1)) }]
}
