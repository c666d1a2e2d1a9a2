/**
 * A user's own store adapter (`--store PATH`): a `.ts`, `.mts`, `.js` or `.mjs` module whose
 * default export is a `StoreAdapter` (README, "Your own adapter module"). It is imported
 * and its shape checked before anything starts, every problem named.
 */
import { access } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { NEMESIS_NAMES } from '../../common/contracts/history.ts'
import { PROMISABLE_CHECKS } from '../../common/contracts/checker.ts'
import type { StoreAdapter } from '../adapter/index.ts'
import { UsageError } from './command.ts'

/** File name endings `--store` reads as a module. */
export const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs']

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Every problem with what a module exported as its adapter. */
export function adapterProblems(value: unknown): string[] {
  if (!isObject(value)) return ['the default export must be a StoreAdapter object (name, capabilities, startCluster, openClient)']
  const problems: string[] = []
  if (typeof value.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(value.name))
    problems.push('name: must be 1-64 letters, digits, _, . or -')
  for (const method of ['startCluster', 'openClient']) {
    if (typeof value[method] !== 'function') problems.push(`${method}: must be a function`)
  }
  const caps = value.capabilities
  if (!isObject(caps)) return [...problems, 'capabilities: must be an object with cas, versionMetadata, promises and nemeses']
  for (const flag of ['cas', 'versionMetadata']) {
    if (typeof caps[flag] !== 'boolean') problems.push(`capabilities.${flag}: must be true or false`)
  }
  if (!Array.isArray(caps.promises)) problems.push(`capabilities.promises: must be a list of ${PROMISABLE_CHECKS.join(', ')}`)
  else
    caps.promises.forEach((name, i) => {
      if (!(PROMISABLE_CHECKS as readonly unknown[]).includes(name)) {
        problems.push(`capabilities.promises[${i}]: must be one of ${PROMISABLE_CHECKS.join(', ')}`)
      }
    })
  if (!isObject(caps.nemeses)) problems.push('capabilities.nemeses: must map a network (proxy) to the nemeses it takes')
  else
    for (const [network, names] of Object.entries(caps.nemeses)) {
      if (!Array.isArray(names) || names.some((n) => !(NEMESIS_NAMES as readonly unknown[]).includes(n))) {
        problems.push(`capabilities.nemeses.${network}: must be a list of ${NEMESIS_NAMES.join(', ')}`)
      }
    }
  return problems
}

/** Imports the module at `path` and returns its adapter; a {@link UsageError} says what is wrong. */
export async function loadAdapterModule(path: string): Promise<StoreAdapter> {
  if (!MODULE_EXTENSIONS.includes(extname(path))) {
    throw new UsageError(`--store ${path}: an adapter module must be a ${MODULE_EXTENSIONS.join(', ')} file`)
  }
  const file = resolve(path)
  await access(file).catch(() => {
    throw new UsageError(`--store ${path}: no such file`)
  })
  let exported: unknown
  try {
    exported = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default
  } catch (error) {
    throw new UsageError(`--store ${path}: the module failed to load: ${(error as Error).message}`)
  }
  const problems = adapterProblems(exported)
  if (problems.length > 0) throw new UsageError(`--store ${path}:\n       ${problems.join('\n       ')}`)
  return exported as StoreAdapter
}
