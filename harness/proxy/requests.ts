/**
 * The API's request bodies, decoded as Toxiproxy decodes them into its Go structs: the same
 * defaults, the same checks in the same order, and the same error for every bad body.
 */
import { BAD_REQUEST_BODY, INVALID_STREAM, INVALID_TOXIC_TYPE, MISSING_FIELD } from './api-error.ts'
import { decodeGoSlice, decodeGoStruct, GoJsonError, parseGoJson, type GoFields, type GoJsonValue, type GoStruct } from './go-json.ts'
import type { Direction, GoIntegerType, Toxic, ToxicAttributes, ToxicType } from './toxic.ts'
import { isToxicType, toxicKind } from './toxics/index.ts'

/** A proxy's settable fields. */
export type ProxyFields = { name: string; listen: string; upstream: string; enabled: boolean }

/** A toxic about to be added: everything checked except its name being free and its attributes. */
export type ToxicDraft = Omit<Toxic, 'attributes'> & {
  /** The attributes, decoded once the name is known to be free (Toxiproxy's order of checks). */
  decodeAttributes(): Toxic['attributes']
}

const PROXY_FIELDS = (label: string, enabledLabel: string): GoStruct['fields'] => ({
  name: { label: `${label}.name`, type: 'string' },
  listen: { label: `${label}.listen`, type: 'string' },
  upstream: { label: `${label}.upstream`, type: 'string' },
  enabled: { label: enabledLabel, type: 'bool' },
  // Toxiproxy's Proxy exports its logger, so the key is decoded (and printed as `{}`).
  Logger: { label: `${label}.Logger`, type: { goType: 'zerolog.Logger', fields: {} } },
})

const PROXY: GoStruct = { goType: 'toxiproxy.Proxy', fields: PROXY_FIELDS('Proxy', 'Proxy.enabled') }

const POPULATE_ELEMENT = 'struct { toxiproxy.Proxy; Enabled *bool "json:\\"enabled\\"" }'
const POPULATE = {
  goType: `[]${POPULATE_ELEMENT}`,
  element: { goType: POPULATE_ELEMENT, fields: PROXY_FIELDS('.Proxy', '.enabled') },
}

const TOXIC: GoStruct = {
  goType: 'toxics.ToxicWrapper',
  fields: {
    // Toxiproxy reads the attributes into a no-op toxic first; only their shape is checked here.
    attributes: { label: 'ToxicWrapper.attributes', type: { goType: 'toxics.NoopToxic', fields: {} } },
    name: { label: 'ToxicWrapper.name', type: 'string' },
    type: { label: 'ToxicWrapper.type', type: 'string' },
    stream: { label: 'ToxicWrapper.stream', type: 'string' },
    toxicity: { label: 'ToxicWrapper.toxicity', type: 'float32' },
  },
}

function attributesStruct(type: ToxicType): GoStruct {
  const kind = toxicKind(type)
  const fields: GoStruct['fields'] = {}
  for (const [name, goType] of Object.entries(kind.fields as Record<string, GoIntegerType>)) {
    fields[name] = { label: `${kind.goName}.attributes.${name}`, type: goType }
  }
  return { goType: `toxics.${kind.goName}`, fields }
}

function parseBody(body: string): GoJsonValue {
  try {
    return parseGoJson(body)
  } catch (error) {
    if (error instanceof GoJsonError) throw BAD_REQUEST_BODY.withDetail(error.message)
    throw error
  }
}

function failOn(error: string | undefined): void {
  if (error !== undefined) throw BAD_REQUEST_BODY.withDetail(error)
}

const text = (fields: GoFields, key: string): string | undefined => {
  const value = fields[key]
  return typeof value === 'string' ? value : undefined
}
const flag = (fields: GoFields, key: string): boolean | undefined => {
  const value = fields[key]
  return typeof value === 'boolean' ? value : undefined
}

function proxyFields(fields: GoFields, defaults: ProxyFields): ProxyFields {
  return {
    name: text(fields, 'name') ?? defaults.name,
    listen: text(fields, 'listen') ?? defaults.listen,
    upstream: text(fields, 'upstream') ?? defaults.upstream,
    enabled: flag(fields, 'enabled') ?? defaults.enabled,
  }
}

/** POST /proxies: a new proxy (enabled unless told otherwise) with a name and an upstream. */
export function decodeNewProxy(body: string): ProxyFields {
  const { fields, error } = decodeGoStruct(parseBody(body), PROXY)
  failOn(error)
  const proxy = proxyFields(fields, { name: '', listen: '', upstream: '', enabled: true })
  if (proxy.name === '') throw MISSING_FIELD.withDetail('name')
  if (proxy.upstream === '') throw MISSING_FIELD.withDetail('upstream')
  return proxy
}

/** PATCH/POST /proxies/:name: fields left out keep their current value (the name never changes). */
export function decodeProxyUpdate(body: string, current: ProxyFields): ProxyFields {
  const { fields, error } = decodeGoStruct(parseBody(body), PROXY)
  failOn(error)
  return { ...proxyFields(fields, current), name: current.name }
}

/** POST /populate: every proxy is checked before any is touched. */
export function decodePopulate(body: string): ProxyFields[] {
  const { items, error } = decodeGoSlice(parseBody(body), POPULATE)
  failOn(error)
  const proxies = items.map((fields) => proxyFields(fields, { name: '', listen: '', upstream: '', enabled: true }))
  proxies.forEach((proxy, i) => {
    if (proxy.name === '') throw MISSING_FIELD.withDetail(`name at proxy ${i + 1}`)
    if (proxy.upstream === '') throw MISSING_FIELD.withDetail(`upstream at proxy ${i + 1}`)
  })
  return proxies
}

function defaultAttributes<T extends ToxicType>(type: T): ToxicAttributes[T] {
  const attributes: Record<string, number> = {}
  for (const name of Object.keys(toxicKind(type).fields)) attributes[name] = 0
  return attributes as ToxicAttributes[T]
}

/** Applies decoded attribute values in place: running links read a toxic's attributes live. */
function assignAttributes(attributes: Toxic['attributes'], fields: GoFields | undefined): void {
  const target = attributes as Record<string, number>
  for (const [name, value] of Object.entries(fields ?? {})) {
    if (typeof value === 'number') target[name] = value
  }
}

/** POST /proxies/:name/toxics, up to the checks that need the proxy's toxics. */
export function decodeNewToxic(body: string): ToxicDraft {
  const value = parseBody(body)
  const { fields, error } = decodeGoStruct(value, TOXIC)
  failOn(error)
  const stream = text(fields, 'stream') ?? 'downstream'
  const direction = stream.toLowerCase()
  if (direction !== 'upstream' && direction !== 'downstream') throw INVALID_STREAM
  const type = text(fields, 'type') ?? ''
  const name = text(fields, 'name') || `${type}_${stream}`
  if (!isToxicType(type)) throw INVALID_TOXIC_TYPE
  const toxicity = fields.toxicity
  return {
    name,
    type,
    stream,
    direction: direction satisfies Direction,
    toxicity: typeof toxicity === 'number' ? toxicity : 1,
    decodeAttributes() {
      const attributes = defaultAttributes(type)
      const decoded = decodeGoStruct(value, {
        goType: 'struct { Attributes interface {} "json:\\"attributes\\"" }',
        fields: { attributes: { label: '.attributes', type: attributesStruct(type) } },
      })
      failOn(decoded.error)
      assignAttributes(attributes, decoded.fields.attributes as GoFields | undefined)
      return attributes
    },
  } as ToxicDraft
}

/**
 * PATCH/POST /proxies/:name/toxics/:toxic: new attributes and toxicity. As in Toxiproxy, the
 * attributes that decoded are kept even when another part of the body fails.
 */
export function decodeToxicUpdate(body: string, toxic: Toxic): { toxicity: number } {
  const { fields, error } = decodeGoStruct(parseBody(body), {
    goType: 'struct { Attributes interface {} "json:\\"attributes\\""; Toxicity float32 "json:\\"toxicity\\"" }',
    fields: {
      attributes: { label: '.attributes', type: attributesStruct(toxic.type) },
      toxicity: { label: '.toxicity', type: 'float32' },
    },
  })
  assignAttributes(toxic.attributes, fields.attributes as GoFields | undefined)
  failOn(error)
  const toxicity = fields.toxicity
  return { toxicity: typeof toxicity === 'number' ? toxicity : toxic.toxicity }
}
