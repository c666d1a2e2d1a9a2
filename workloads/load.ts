/**
 * Finding a workload by name or file: a preset (`distributed`, `clustered`), or a JSON
 * file or a TypeScript/JavaScript module (`.ts`, `.mts`, `.js`, `.mjs`, default export)
 * with a workload's fields, anywhere on disk. A file may name a
 * `preset` to start from and override any field; everything is validated with clear
 * errors naming the file and the field.
 */
import { readFile, stat } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { tsImport } from 'tsx/esm/api'
import { jsonErrorAt } from '../common/helpers/json-position.ts'
import { PRESETS, WorkloadError, workloadProblems, type PresetName, type WorkloadSpec } from './workload.ts'

const FIELDS = ['name', 'kind', 'keys', 'distribution', 'placement', 'readFraction', 'casFraction', 'valueBytes', 'writeStyle'] as const

const isPreset = (name: string): name is PresetName => Object.hasOwn(PRESETS, name)

/** The workload file types, by extension: JSON, or a module whose default export is the workload. */
export const WORKLOAD_FILE_TYPES = ['.json', '.ts', '.mts', '.js', '.mjs'] as const

export async function loadWorkload(nameOrFile: string): Promise<WorkloadSpec> {
  if (isPreset(nameOrFile)) return structuredClone(PRESETS[nameOrFile]) as WorkloadSpec
  const ext = extname(nameOrFile)
  if (!(WORKLOAD_FILE_TYPES as readonly string[]).includes(ext)) {
    throw new WorkloadError([
      `"${nameOrFile}" is neither a preset (${Object.keys(PRESETS).join(', ')}) nor a workload file (${WORKLOAD_FILE_TYPES.join(', ')})`,
    ])
  }
  const path = resolve(nameOrFile)
  const info = await stat(path).catch(() => undefined)
  if (!info?.isFile()) throw new WorkloadError([`${nameOrFile}: ${info ? 'not a file' : 'no such file'}`])
  return fromObject(ext === '.json' ? await readJson(nameOrFile) : await importDefault(nameOrFile), nameOrFile)
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8')
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new WorkloadError([`${file}:${jsonErrorAt(text, (error as Error).message)}`])
  }
}

/**
 * The default export of a TypeScript or JavaScript module anywhere on disk. tsx's
 * `tsImport` loads it in its own namespace whatever the `type` of the package around it
 * (a `.ts` outside any package is CommonJS to Node, and importing it through the global
 * loader fails with "Cannot require() ES Module ... in a cycle").
 */
async function importDefault(file: string): Promise<unknown> {
  let loaded: { default?: unknown }
  try {
    loaded = (await tsImport(pathToFileURL(resolve(file)).href, import.meta.url)) as { default?: unknown }
  } catch (error) {
    throw new WorkloadError([`${file}: ${(error as Error).message.split('\n')[0]}`])
  }
  const value = loaded.default as { __esModule?: boolean; default?: unknown } | undefined
  // An ES module compiled to CommonJS (a .ts or .js outside an ESM package) comes back as
  // { default: module.exports }, marked __esModule, its own default export one level down.
  return value?.__esModule ? value.default : value
}

function fromObject(raw: unknown, file: string): WorkloadSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new WorkloadError([
      `${file}: must hold an object with workload fields${extname(file) === '.json' ? '' : ' as its default export (export default { ... })'}`,
    ])
  }
  const fields = raw as Record<string, unknown>
  const unknown = Object.keys(fields).filter((k) => k !== 'preset' && !(FIELDS as readonly string[]).includes(k))
  const problems = unknown.map((k) => `unknown field "${k}" (fields: preset, ${FIELDS.join(', ')})`)
  const preset = fields.preset ?? 'distributed'
  if (typeof preset !== 'string' || !isPreset(preset)) problems.push(`preset must be one of ${Object.keys(PRESETS).join(', ')}`)
  const base = isPreset(String(preset)) ? (PRESETS[preset as PresetName] as WorkloadSpec) : PRESETS.distributed
  const { preset: _ignored, ...overrides } = fields
  const spec = { ...structuredClone(base), ...overrides } as WorkloadSpec
  problems.push(...workloadProblems(spec))
  if (problems.length > 0) throw new WorkloadError(problems.map((p) => `${file}: ${p}`))
  return spec
}
