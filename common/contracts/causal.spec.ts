/**
 * peekContext's fast path (a plain clock decoded straight from the characters) against
 * the general path (base64url, JSON.parse, checks, normalizeContext): wherever the fast
 * path reads a context it must give the same context, with the clock's actors in the same
 * order; it must read every context our store writes without loose dots.
 */
import { test } from '@japa/runner'
import fc from 'fast-check'
import { type CausalContext, peekContext, peekParsed, peekPlainClock } from './causal.ts'

/** The general path: what peekContext gave before it had a fast path. */
const reference = peekParsed

const encode = (payload: string, signature = 'c2lnbmF0dXJl'): string => `${Buffer.from(payload).toString('base64url')}.${signature}`

/** JSON with the clock's actors in their order: deepEqual alone would not see a difference in order. */
const exact = (context: CausalContext | undefined): string => JSON.stringify(context && { ...context, order: Object.keys(context.clock) })

/** Payloads the fast path must read itself. */
const READ_FAST: [string, string][] = [
  ['an empty clock', '{"clock":{}}'],
  ['one actor', '{"clock":{"n1":4}}'],
  ['actors out of order', '{"clock":{"n5":48645,"n1":46417,"n2":38598}}'],
  ['actors that share a prefix', '{"clock":{"n1.2":3,"n1":2,"n10":1,"n1-b":5}}'],
  ['incarnations and odd names', '{"clock":{"b_2":1,"a.1":2,"Z":3,"n-1":4}}'],
  ['the largest counter it reads', '{"clock":{"n1":999999999999999}}'],
]

/** Payloads the fast path must leave to the general path (valid contexts or not). */
const LEFT_TO_JSON_PARSE: [string, string][] = [
  ['loose dots', '{"clock":{"n1":1},"dots":[{"node":"n2","counter":3}]}'],
  ['whitespace', '{"clock": {"n1":1}}'],
  ['a repeated actor (JSON.parse keeps the last)', '{"clock":{"n1":1,"n2":2,"n1":3}}'],
  ['an actor that is an array index (objects list those first)', '{"clock":{"n2":1,"10":2,"2":3}}'],
  ['__proto__', '{"clock":{"__proto__":1}}'],
  ['an escaped actor', '{"clock":{"n\\u0031":1}}'],
  ['a non-ASCII actor', '{"clock":{"é":1}}'],
  ['a zero counter', '{"clock":{"n1":0}}'],
  ['a leading zero', '{"clock":{"n1":01}}'],
  ['a fraction', '{"clock":{"n1":1.0}}'],
  ['an exponent', '{"clock":{"n1":1e3}}'],
  ['a negative counter', '{"clock":{"n1":-1}}'],
  ['a counter past 2^53', '{"clock":{"n1":9007199254740993}}'],
  ['a 16-digit counter', '{"clock":{"n1":1000000000000000}}'],
  ['an empty actor', '{"clock":{"":1}}'],
  ['a clock that is not an object', '{"clock":[]}'],
  ['no clock', '{"dots":[]}'],
  ['another member first', '{"x":1,"clock":{}}'],
  ['trailing bytes', '{"clock":{}} '],
  ['a trailing comma', '{"clock":{"n1":1,}}'],
  ['a truncated payload', '{"clock":{"n1":1'],
  ['not JSON', 'clock'],
]

test.group('peekContext fast path', () => {
  test('reads our contexts itself, as the general path reads them', ({ assert }) => {
    for (const [what, payload] of READ_FAST) {
      const encoded = encode(payload)
      assert.isDefined(peekPlainClock(encoded), what)
      assert.equal(exact(peekContext(encoded)), exact(reference(encoded)), what)
    }
    assert.deepEqual(Object.keys(peekContext(encode(READ_FAST[3][1]))!.clock), ['n1', 'n1-b', 'n1.2', 'n10'])
  })

  test('leaves other payloads to the general path, with the same verdict', ({ assert }) => {
    for (const [what, payload] of LEFT_TO_JSON_PARSE) {
      const encoded = encode(payload)
      assert.isUndefined(peekPlainClock(encoded), what)
      assert.equal(exact(peekContext(encoded)), exact(reference(encoded)), what)
    }
  })

  test('encodings the fast path does not decode itself', ({ assert }) => {
    const payload = Buffer.from('{"clock":{"n1":1}}').toString('base64url')
    const cases = [
      ['no signature', payload],
      ['padding', `${Buffer.from('{"clock":{"n1":12}}').toString('base64')}.sig`],
      ['standard base64 digits', `${payload.replace(/./, '+')}.sig`],
      ['a stray character', `${payload.slice(0, 4)}*${payload.slice(4)}.sig`],
      ['one digit too many', `${payload}A.sig`],
      ['a non-ASCII character', `${payload}é.sig`],
      ['empty', ''],
    ]
    for (const [what, encoded] of cases) {
      assert.isUndefined(peekPlainClock(encoded), what)
      assert.equal(exact(peekContext(encoded)), exact(reference(encoded)), what)
    }
  })

  test('any clock, in any order, with any names and counters: the same context both ways', () => {
    const name = fc.oneof(
      fc.constantFrom('n1', 'n2', 'n10', 'n1.2', 'a', 'Z', '__proto__', 'constructor', 'toString', '0', '7', '12', 'é', ''),
      fc.stringMatching(/^[A-Za-z0-9._-]{1,4}$/),
    )
    const counter = fc.oneof(fc.integer({ min: -2, max: 1000 }), fc.constantFrom(0.5, 2 ** 53, 2 ** 53 + 2, 1e15 - 1, 1e15))
    const entries = fc.array(fc.tuple(name, counter), { maxLength: 6 })
    fc.assert(
      fc.property(entries, fc.boolean(), (list, withDots) => {
        const clock = list.map(([node, count]) => `${JSON.stringify(node)}:${count}`).join(',')
        const dots = withDots ? ',"dots":[{"node":"n3","counter":2}]' : ''
        const encoded = encode(`{"clock":{${clock}}${dots}}`)
        return exact(peekContext(encoded)) === exact(reference(encoded))
      }),
      { numRuns: 2000 },
    )
  })
})
