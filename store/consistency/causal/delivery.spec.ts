/**
 * Causal delivery: a write waits in the buffer until its origin's previous write and
 * everything its origin had applied have been applied, whatever order they arrive in.
 */
import { test } from '@japa/runner'
import type { Clock } from '../../../common/contracts/causal.ts'
import { CausalDelivery, isLogEntry, type LogEntry } from './delivery.ts'

const entry = (key: string, counter: number, prev: number, deps: Clock = {}): LogEntry => ({
  key,
  counter,
  prev,
  deps,
  delta: { context: { clock: {}, dots: [] }, siblings: [] },
})

const order = (ready: { origin: string; entry: LogEntry }[]): string[] => ready.map(({ origin, entry }) => `${origin}:${entry.counter}`)

test.group('causal: delivery', () => {
  test("an origin's writes are handed on in its order, whatever order they arrive in", ({ assert }) => {
    const delivery = new CausalDelivery({})
    assert.deepEqual(delivery.receive('a', [entry('x', 7, 3)]), [], 'a:7 follows a:3, which has not arrived')
    assert.equal(delivery.buffered, 1)
    assert.deepEqual(order(delivery.receive('a', [entry('x', 3, 1)])), [], 'a:3 follows a:1')
    assert.deepEqual(order(delivery.receive('a', [entry('y', 1, 0)])), ['a:1', 'a:3', 'a:7'])
    assert.equal(delivery.buffered, 0)
    assert.deepEqual(delivery.known(), { a: 7 })
  })

  test('a write waits for what its origin had applied from others, then goes right after it', ({ assert }) => {
    const delivery = new CausalDelivery({})
    // b took b:4 after applying a:2: b:4 cannot be shown before a:2.
    assert.deepEqual(delivery.receive('b', [entry('y', 4, 0, { a: 2, b: 0 })]), [])
    assert.deepEqual(order(delivery.receive('a', [entry('x', 1, 0)])), ['a:1'], 'a:1 alone does not cover a:2')
    assert.deepEqual(order(delivery.receive('a', [entry('x', 2, 1)])), ['a:2', 'b:4'])
  })

  test("a node's own writes count towards what others' writes depend on", ({ assert }) => {
    const delivery = new CausalDelivery({ me: 0 })
    assert.deepEqual(delivery.receive('b', [entry('y', 1, 0, { me: 5 })]), [])
    delivery.noteLocal('me', 5)
    assert.deepEqual(order(delivery.receive('b', [])), ['b:1'])
  })

  test('writes already applied (sent again after a lost answer) are dropped', ({ assert }) => {
    const delivery = new CausalDelivery({ a: 2 })
    assert.deepEqual(order(delivery.receive('a', [entry('x', 1, 0), entry('x', 2, 1), entry('x', 3, 2)])), ['a:3'])
    assert.deepEqual(order(delivery.receive('a', [entry('x', 3, 2)])), [])
    assert.equal(delivery.buffered, 0)
  })

  test('the buffer is bounded: past it, writes are dropped (their origin sends them again)', ({ assert }) => {
    const delivery = new CausalDelivery({}, 2)
    delivery.receive('a', [entry('x', 5, 4), entry('x', 6, 5), entry('x', 7, 6)])
    assert.equal(delivery.buffered, 2)
  })

  test('a log entry from the network is checked before it is used', ({ assert }) => {
    assert.isTrue(isLogEntry(entry('x', 2, 1, { a: 1 })))
    assert.isFalse(isLogEntry({ ...entry('x', 2, 1), prev: 2 }), 'prev must come before counter')
    assert.isFalse(isLogEntry({ ...entry('x', 2, 1), deps: { a: -1 } }))
    assert.isFalse(isLogEntry({ ...entry('x', 2, 1), delta: { siblings: 'no' } }))
    assert.isFalse(isLogEntry(null))
  })
})
