/**
 * Finding a workload by name or file: a preset (`distributed`, `clustered`), or a JSON
 * file or TypeScript module (default export) with a workload's fields. A file may name a
 * `preset` to start from and override any field; everything is validated with clear
 * errors naming the file and the field.
 */
import { readFile } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { PRESETS, WorkloadError, workloadProblems, type PresetName, type WorkloadSpec } from './workload.ts'

const FIELDS = ['name', 'kind', 'keys', 'distribution', 'placement', 'readFraction', 'casFraction', 'valueBytes', 'writeStyle'] as const

const isPreset = (name: string): name is PresetName => Object.hasOwn(PRESETS, name)

export async function loadWorkload(nameOrFile: string): Promise<WorkloadSpec> {
  if (isPreset(nameOrFile)) return structuredClone(PRESETS[nameOrFile]) as WorkloadSpec
  const ext = extname(nameOrFile)
  if (!['.json', '.ts', '.js', '.mjs'].includes(ext)) {
    throw new WorkloadError([`"${nameOrFile}" is neither a preset (${Object.keys(PRESETS).join(', ')}) nor a .json, .ts or .js file`])
  }
  let raw: unknown
  try {
    raw =
      ext === '.json'
        ? JSON.parse(await readFile(nameOrFile, 'utf8'))
        : ((await import(pathToFileURL(resolve(nameOrFile)).href)) as { default?: unknown }).default
  } catch (error) {
    throw new WorkloadError([`${nameOrFile}: ${(error as Error).message}`])
  }
  return fromObject(raw, nameOrFile)
}

function fromObject(raw: unknown, file: string): WorkloadSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new WorkloadError([
      `${file}: must hold an object with workload fields${extname(file) === '.json' ? '' : ' as its default export'}`,
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
