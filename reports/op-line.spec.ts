/**
 * The scan's fast path against JSON.parse: the same lines read both ways must give the
 * same op table, the same set elements and the same reader counts (malformed lines and
 * their reasons included), whether the fast path reads a line or gives it to JSON.parse.
 */
import { test } from '@japa/runner'
import fc from 'fast-check'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { WorkloadKind } from '../common/contracts/history.ts'
import { HistoryReader } from './history-reader.ts'
import { scanOpLine } from './op-line.ts'
import { OpTableBuilder } from './op-table.ts'
import { tempDir } from './testing/analyse.ts'
import { randomHistory } from './testing/random-history.ts'

/** A context as the reference store writes one: base64url JSON of its clock and loose dots, then a signature. */
const contextOf = (clock: Record<string, number>, dots: { node: string; counter: number }[] = []): string =>
  `${Buffer.from(JSON.stringify(dots.length > 0 ? { clock, dots } : { clock })).toString('base64url')}.c2lnbmF0dXJl`

type Scan = { columns: Record<string, unknown>; finalValues: string[]; stats: unknown }

/** Reads a history file as the range scan does (lean ops or not) into an op table and what it keeps of final reads. */
async function scanFile(path: string, kind: WorkloadKind, leanOps: boolean): Promise<Scan> {
  const builder = new OpTableBuilder(kind, 4)
  const finalValues: string[] = []
  // Small chunks, so lines cut between chunks take the fast path too.
  const reader = new HistoryReader(path, { leanOps, chunkBytes: 256 })
  await reader.read((record, offset, length) => {
    if (typeof record.process !== 'number') return
    builder.push(record, offset, length)
    if (record.phase === 'final' && record.f === 'get' && record.type === 'ok') finalValues.push(JSON.stringify(record.value))
  })
  const table = builder.finish()
  const columns: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(table)) {
    columns[name] = ArrayBuffer.isView(value)
      ? Array.from(value as Float64Array)
      : value instanceof Object
        ? (value as { names: string[] }).names
        : value
  }
  return { columns, finalValues, stats: reader.stats }
}

/** Scans the lines both ways and says how the two differ (nothing, when they agree). */
async function differences(dir: string, lines: string[], kind: WorkloadKind): Promise<string[]> {
  const path = join(dir, `history-${kind}.jsonl`)
  await writeFile(path, `${lines.join('\n')}\n`)
  const slow = await scanFile(path, kind, false)
  const fast = await scanFile(path, kind, true)
  const problems: string[] = []
  for (const name of Object.keys(slow.columns)) {
    // Object.is: -0 and 0 differ, as they would in the column.
    const a = slow.columns[name]
    const b = fast.columns[name]
    const same = Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => Object.is(x, b[i])) : Object.is(a, b)
    if (!same) problems.push(`${name}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
  }
  if (JSON.stringify(slow.finalValues) !== JSON.stringify(fast.finalValues)) problems.push('final values differ')
  if (JSON.stringify(slow.stats) !== JSON.stringify(fast.stats))
    problems.push(`reader stats ${JSON.stringify(slow.stats)} vs ${JSON.stringify(fast.stats)}`)
  return problems
}

const taken = (line: string): boolean => {
  const bytes = Buffer.from(line)
  return scanOpLine(bytes, 0, bytes.length) !== undefined
}

const ctx = contextOf({ n1: 3, n2: 1 }, [{ node: 'n3', counter: 7 }])
const put = `{"index":1,"process":0,"type":"ok","f":"put","key":"k1","value":"v1","node":"n1","coordinator":"n2","intended":10,"invoke":11,"complete":20,"context":"${ctx}","dot":{"node":"n2","counter":4},"error":null,"phase":"heal"}`
const get = `{"index":2,"process":1,"type":"ok","f":"get","key":"k1","value":["v1","v2"],"node":"n1","coordinator":"n1","intended":21,"invoke":21,"complete":30,"context":"${ctx}","versions":[{"dot":{"node":"n2","counter":4},"clock":{"n1":3,"n2":4}},{"dot":{"node":"n1","counter":9},"clock":{}}],"error":null,"phase":"final"}`
/** `base` with `from` replaced by `to` (which must occur). */
const edit = (base: string, from: string, to: string): string => {
  if (!base.includes(from)) throw new Error(`${from} not in ${base}`)
  return base.replace(from, to)
}

/** Lines the fast path must read itself, each tricky in one way. */
const READ_FAST: [string, string][] = [
  ['a put as the harness writes it', put],
  ['a read with siblings and versions', get],
  [
    'escapes in key, value, node, context and error',
    edit(edit(put, '"key":"k1"', '"key":"k\\"1\\\\\\n\\u00e9"'), '"error":null', '"error":"http_500 \\"x\\"\\t"'),
  ],
  ['an escaped context and node', edit(edit(get, `"context":"${ctx}"`, '"context":"a\\/b\\u0041"'), '"node":"n1"', '"node":"n\\u0031"')],
  [
    'unicode in values, keys and nodes',
    edit(edit(get, '"value":["v1","v2"]', '"value":["é unicode ✓","😀","\\ud83d\\ude00"]'), '"key":"k1"', '"key":"ключ"'),
  ],
  ['a lone surrogate escape', edit(put, '"value":"v1"', '"value":"\\ud800x"')],
  [
    'numbers in exponent form',
    edit(edit(edit(put, '"intended":10', '"intended":1e1'), '"invoke":11', '"invoke":1.1E+1'), '"complete":20', '"complete":2000e-2'),
  ],
  ['a dot counter and index in exponent form', edit(edit(put, '"counter":4', '"counter":4.0e0'), '"index":1', '"index":1E0')],
  [
    'long and negative numbers',
    edit(
      edit(edit(put, '"intended":10', '"intended":-0'), '"invoke":11', '"invoke":9007199254740993'),
      '"complete":20',
      '"complete":11179.390087994056',
    ),
  ],
  [
    'fractions',
    edit(edit(edit(put, '"intended":10', '"intended":0.1'), '"invoke":11', '"invoke":123.450'), '"complete":20', '"complete":-0.0'),
  ],
  ['huge and tiny numbers', edit(edit(put, '"complete":20', '"complete":1.7976931348623157e308'), '"intended":10', '"intended":5e-324')],
  ['nulls: value, context', edit(edit(put, '"value":"v1"', '"value":null'), `"context":"${ctx}"`, '"context":null')],
  [
    'missing optional fields',
    '{"index":3,"process":2,"type":"info","f":"put","key":"k2","node":"n3","intended":1,"invoke":2,"complete":3,"phase":"fault"}',
  ],
  ['a nested value', edit(put, '"value":"v1"', '"value":{"a":[1,{"b":null}],"c":"d\\n"}')],
  ['a read of values that are not all strings', edit(get, '"value":["v1","v2"]', '"value":[{"x":1},"s",2.50,true]')],
  ['a cas', edit(edit(put, '"f":"put"', '"f":"cas"'), '"value":"v1"', '"value":[null,"v2"]')],
  ['a cas of nested values', edit(edit(put, '"f":"put"', '"f":"cas"'), '"value":"v1"', '"value":[["a"],{"b":1}]')],
  ['a malformed cas value', edit(edit(put, '"f":"put"', '"f":"cas"'), '"value":"v1"', '"value":[1,2,3]')],
  [
    'fields in another order (the synthetic history)',
    `{"index":4,"process":3,"type":"ok","f":"put","key":"k9","value":"35-227","node":"n4","intended":45400,"invoke":45400,"complete":45648.22058389133,"context":"${ctx}","error":null,"phase":"warmup","coordinator":"n4","dot":{"counter":25,"node":"n4"}}`,
  ],
  [
    'fields in reverse order',
    `{${Object.entries(JSON.parse(get))
      .reverse()
      .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
      .join(',')}}`,
  ],
  [
    'whitespace between tokens',
    ` {\t"index" : 5 ,"process":1, "type": "ok","f":"get","key":"k1","value":[ "v1" , "v2" ],"node":"n1","intended":1,"invoke":1,"complete":2,"versions":[ { "dot" : { "node" : "n1" , "counter" : 1 } , "clock" : { "n1" : 1 } } ] ,"phase":"heal"} `,
  ],
  [
    'empty versions and a version without a dot',
    edit(get, '"versions":[{"dot":{"node":"n2","counter":4},"clock":{"n1":3,"n2":4}},', '"versions":[{"clock":{"n1":3}},{},'),
  ],
  ['clocks that are not whole counters', edit(get, '"clock":{"n1":3,"n2":4}', '"clock":{"n\\u0031":3.5,"n2":[1,{"x":null}]}')],
  ['a version with other members', edit(get, '"clock":{}', '"clock":{},"extra":"yes","dotx":1')],
  [
    'a replica read and a resolution',
    edit(edit(get, '"phase":"final"', '"phase":"final","replica":true'), '"error":null', '"resolution":true,"error":null'),
  ],
  ['a set element', edit(put, '"value":"v1"', '"value":["a","b"],"element":"b"')],
  ['a context that does not decode', edit(put, `"context":"${ctx}"`, '"context":"not-a-context"')],
]

/** Lines the fast path must leave to JSON.parse (valid or not: the slow path gives the verdict). */
const LEFT_TO_JSON_PARSE: [string, string][] = [
  ['a repeated field (JSON.parse keeps the last)', edit(put, '"key":"k1"', '"key":"k1","key":"k2"')],
  ['a repeated dot member', edit(put, '"counter":4', '"counter":4,"counter":5')],
  ['a repeated version dot', edit(get, '"clock":{}', '"clock":{},"dot":{"node":"n3","counter":1}')],
  ['an unknown field', edit(put, '"error":null', '"error":null,"extra":1')],
  ['an escaped field name', edit(put, '"key":"k1"', '"k\\u0065y":"k1"')],
  ['an escaped version member that is `dot`', edit(get, '"clock":{}', '"clock":{},"d\\u006ft":{"node":"n3","counter":1}')],
  [
    'a nemesis record',
    '{"index":6,"process":"nemesis","type":"info","f":"start","nemesis":"crash","value":{},"invoke":1,"complete":2,"phase":"fault"}',
  ],
  [
    'a harness record',
    '{"index":7,"process":"harness","type":"info","f":"end","value":{"completed":true,"interrupted":false},"invoke":1,"complete":2,"phase":"heal"}',
  ],
  ['an unknown outcome', edit(put, '"type":"ok"', '"type":"maybe"')],
  ['an unknown phase', edit(put, '"phase":"heal"', '"phase":"healing"')],
  ['a missing intended', edit(put, '"intended":10,', '')],
  ['a non-numeric time', edit(put, '"invoke":11', '"invoke":"11"')],
  ['a null coordinator', edit(put, '"coordinator":"n2"', '"coordinator":null')],
  ['replica false', edit(get, '"error":null', '"replica":false,"error":null')],
  ['a dot without a counter', edit(put, '"counter":4', '"other":4')],
  ['versions that are not objects', edit(get, '"versions":[', '"versions":[null,')],
  ['a trailing comma', edit(put, '"phase":"heal"}', '"phase":"heal",}')],
  ['a leading zero', edit(put, '"index":1', '"index":01')],
  ['a bare fraction', edit(put, '"intended":10', '"intended":.5')],
  ['a plus sign', edit(put, '"intended":10', '"intended":+1')],
  ['NaN', edit(put, '"intended":10', '"intended":NaN')],
  ['a single-quoted string', edit(put, '"value":"v1"', '"value":\'v1\'')],
  ['a raw tab in a string', edit(put, '"value":"v1"', '"value":"v\t1"')],
  ['an invalid escape', edit(put, '"value":"v1"', '"value":"v\\x1"')],
  ['a short unicode escape', edit(put, '"value":"v1"', '"value":"v\\u12"')],
  ['a truncated line', put.slice(0, 120)],
  ['two objects on a line', `${put}{}`],
  ['a value nested deeper than the fast path goes', edit(put, '"value":"v1"', `"value":${'['.repeat(40)}${']'.repeat(40)}`)],
  ['a byte-order mark', `\ufeff${put}`],
]

test.group('op line fast path', () => {
  test('reads tricky lines itself and gives the same columns as JSON.parse', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    for (const [name, line] of READ_FAST) assert.isTrue(taken(line), `fast path gave up on: ${name}`)
    for (const kind of ['register', 'set'] as const)
      assert.deepEqual(
        await differences(
          dir,
          READ_FAST.map(([, line]) => line),
          kind,
        ),
        [],
      )
  })

  test('leaves other lines to JSON.parse, with the same columns, counts and malformed reasons', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    for (const [name, line] of LEFT_TO_JSON_PARSE) assert.isFalse(taken(line), `fast path read: ${name}`)
    const lines = [put, ...LEFT_TO_JSON_PARSE.map(([, line]) => line), get]
    assert.deepEqual(await differences(dir, lines, 'register'), [])
  })

  test('invalid UTF-8 in a string is decoded as JSON.parse of the whole line decodes it', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const path = join(dir, 'history.jsonl')
    const [before, after] = put.split('"v1"')
    const line = Buffer.concat([Buffer.from(`${before}"v`), Buffer.from([0xe2, 0x82, 0xff, 0xc3]), Buffer.from(`"${after}`)])
    assert.isDefined(scanOpLine(line, 0, line.length))
    await writeFile(path, Buffer.concat([line, Buffer.from('\n')]))
    const slow = await scanFile(path, 'register', false)
    const fast = await scanFile(path, 'register', true)
    assert.deepEqual(fast, slow)
  })

  test('numbers of 16 and 17 digits, and around 2^53, are the doubles JSON.parse reads', ({ assert }) => {
    const texts = [
      '9007199254740991',
      '9007199254740992',
      '9007199254740993',
      '9007199254740993.5',
      '900719925474099.3',
      '0.9007199254740993',
      '785.8408340414267',
      '102917941.47688344',
      '1234567890123456.7',
      '0.1234567890123456789012',
      '0.00000000000000000000001',
      '-0.0000000000000000000000001',
      '12345678901234567890',
    ]
    const generated = fc.sample(
      fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
        fc.stringMatching(/^-?(0|[1-9][0-9]{0,19})(\.[0-9]{1,25})?$/),
      ),
      { numRuns: 5000, seed: 18 },
    )
    for (const number of [...texts, ...generated].filter((text) => !text.includes('e'))) {
      const line = Buffer.from(edit(put, '"intended":10', `"intended":${number}`))
      const op = scanOpLine(line, 0, line.length)
      assert.isDefined(op, number)
      assert.isTrue(Object.is(op?.intended, JSON.parse(number)), `${number}: ${op?.intended} vs ${JSON.parse(number)}`)
    }
  })

  test('names are told apart by their bytes, not by their hash, however many there are', ({ assert }) => {
    // Two keys whose bytes have the same 32-bit FNV-1a hash (the scanner's): only a byte comparison tells them apart.
    const fnv = (text: string): number => {
      let hash = 0x811c9dc5
      for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
      return hash
    }
    const byHash = new Map<number, string>()
    let pair: [string, string] | undefined
    for (let i = 0; !pair; i++) {
      const key = `k${i}`
      const other = byHash.get(fnv(key))
      if (other) pair = [other, key]
      else byHash.set(fnv(key), key)
    }
    // Then more names than the table keeps, so it is emptied on the way, and the pair again.
    const keys = [...pair, ...Array.from({ length: 70_000 }, (_, i) => `key-${i % 50_000}`), ...pair]
    const read = keys.map((key) => {
      const line = Buffer.from(edit(edit(put, '"key":"k1"', `"key":"${key}"`), '"node":"n1"', `"node":"${key}"`))
      const op = scanOpLine(line, 0, line.length)
      return `${op?.key} ${op?.node}`
    })
    assert.deepEqual(
      read,
      keys.map((key) => `${key} ${key}`),
    )
  })

  test('a history from the random generator: every op line is read fast, with the same table', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    for (const seed of [1, 2, 3]) {
      const lines = randomHistory(seed, { ops: 300, keys: 3 }).jsonl().trimEnd().split('\n')
      const ops = lines.filter((line) => /^\{"index":\d+,"process":\d/.test(line))
      assert.isAbove(ops.length, 200)
      assert.deepEqual(
        ops.filter((line) => !taken(line)),
        [],
      )
      assert.deepEqual(await differences(dir, lines, 'register'), [])
    }
  })
})

const text = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('k1', 'n1', 'a"b', '\\', '\u0000x', 'é', '😀', 'dot', 'node'),
)
const number = fc.oneof(
  fc.integer(),
  fc.maxSafeNat(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e21, 1e-7, 0.1, 123.45, 2 ** 53 + 2),
  // Short decimals (µs with a fraction): the fast path computes these itself.
  fc.tuple(fc.integer({ min: -(10 ** 12), max: 10 ** 12 }), fc.integer({ min: 0, max: 14 })).map(([n, k]) => n / 10 ** k),
)
const dot = fc.record({ node: text, counter: number })
const record = fc.record(
  {
    index: fc.nat(),
    process: fc.nat({ max: 100 }),
    type: fc.constantFrom('ok', 'fail', 'info'),
    f: fc.constantFrom('get', 'put', 'delete', 'cas'),
    key: text,
    value: fc.oneof(text, fc.array(text, { maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), fc.tuple(fc.option(text), text)),
    element: text,
    resolution: fc.constant(true),
    replica: fc.constant(true),
    node: text,
    coordinator: text,
    intended: number,
    invoke: number,
    complete: number,
    context: fc.oneof(
      fc.constant(null),
      text,
      fc.dictionary(fc.constantFrom('n1', 'n2', 'n3'), fc.nat()).map((clock) => contextOf(clock)),
    ),
    versions: fc.array(fc.record({ dot, clock: fc.dictionary(text, fc.nat()) }, { requiredKeys: [] }), { maxLength: 3 }),
    dot,
    error: fc.option(text),
    phase: fc.constantFrom('warmup', 'fault', 'heal', 'final'),
  },
  { requiredKeys: ['index', 'process', 'type', 'f', 'key', 'node', 'intended', 'invoke', 'complete', 'phase'] },
)
/** A record with its fields in an order given by `order` (one number per field). */
const serialized = fc.tuple(record, fc.array(fc.double({ noNaN: true }), { minLength: 19, maxLength: 19 })).map(([op, order]) => {
  const entries = Object.entries(op).map((entry, i) => ({ entry, rank: order[i] }))
  entries.sort((a, b) => a.rank - b.rank)
  return JSON.stringify(Object.fromEntries(entries.map(({ entry }) => entry)))
})
/** A byte edit: delete, insert or replace at a place (a fraction of the line), with JSON's structural characters likely. */
const mutation = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  kind: fc.constantFrom('delete', 'insert', 'replace'),
  char: fc.constantFrom(...'{}[]",:\\ 0123456789.eE+-ntfaluxk'.split('')),
})

test.group('op line fast path, generated records', () => {
  test('any record our writers could write is read fast, with the same columns as JSON.parse', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    await fc.assert(
      fc.asyncProperty(fc.array(serialized, { minLength: 1, maxLength: 20 }), fc.constantFrom('register', 'set'), async (lines, kind) => {
        assert.deepEqual(
          lines.filter((line) => !taken(line)),
          [],
        )
        assert.deepEqual(await differences(dir, lines, kind as WorkloadKind), [])
      }),
      { numRuns: 150 },
    )
  })

  test('edited bytes: wherever the fast path still reads a line, JSON.parse reads the same', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(serialized, fc.array(mutation, { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 20 }),
        async (cases) => {
          const lines = cases.map(([line, edits]) => {
            let out = line
            for (const { at, kind, char } of edits) {
              const i = Math.floor(at * out.length)
              out =
                kind === 'delete' ? out.slice(0, i) + out.slice(i + 1) : out.slice(0, i) + char + out.slice(kind === 'insert' ? i : i + 1)
            }
            return out.replaceAll('\n', ' ')
          })
          assert.deepEqual(await differences(dir, lines, 'register'), [])
        },
      ),
      { numRuns: 300 },
    )
  })
})
