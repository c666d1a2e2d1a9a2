/** How an http store's answers become ok / fail / info, by the description's rules. */
import { test } from '@japa/runner'
import type { OpName } from '../../adapter/index.ts'
import { answerOutcome, failureOutcome } from './outcome.ts'

const rules = {
  responses: { values: '/values', context: '/meta', error: '/error/code' },
  statuses: { notFound: [404], fail: [409], unknown: [429] },
}
const single = { ...rules, responses: { value: '/value' } }
const answer = (status: number, body: unknown) => ({ status, body: typeof body === 'string' ? body : JSON.stringify(body) })

test.group('http store outcomes', () => {
  test('2xx: a read carries its values and its context as JSON text; a write need not have a body', ({ assert }) => {
    assert.deepEqual(answerOutcome('get', answer(200, { values: ['a', 'b'], meta: { n1: 2 } }), rules), {
      type: 'ok',
      values: ['a', 'b'],
      version: { context: '{"n1":2}' },
    })
    assert.deepEqual(answerOutcome('get', answer(200, { value: 7 }), single), { type: 'ok', values: [7] })
    assert.deepEqual(answerOutcome('put', answer(201, { meta: 'abc' }), rules), { type: 'ok', version: { context: '"abc"' } })
    assert.deepEqual(answerOutcome('put', answer(204, ''), rules), { type: 'ok' })
    assert.deepEqual(answerOutcome('delete', answer(200, { meta: null }), rules), { type: 'ok' })
  })

  test('a 2xx read whose values are not where the description says fails (bad_response)', ({ assert }) => {
    for (const body of [{ values: 'a' }, { other: 1 }, 'not json']) {
      assert.deepEqual(answerOutcome('get', answer(200, body), rules), { type: 'fail', error: 'bad_response' })
    }
  })

  test('notFound: a read found nothing (with the context), a delete of nothing is done, a put so answered failed', ({ assert }) => {
    assert.deepEqual(answerOutcome('get', answer(404, { meta: { n2: 1 } }), rules), {
      type: 'ok',
      values: [],
      version: { context: '{"n2":1}' },
    })
    assert.deepEqual(answerOutcome('delete', answer(404, ''), rules), { type: 'ok' })
    assert.deepEqual(answerOutcome('put', answer(404, { error: { code: 'no_route' } }), rules), { type: 'fail', error: 'no_route' })
  })

  test('listed and default statuses: fail and 4xx certainly not done; unknown and 5xx maybe done (writes) or failed (reads)', ({
    assert,
  }) => {
    const cases: [OpName, number, string][] = [
      ['put', 409, 'fail'],
      ['put', 400, 'fail'],
      ['put', 429, 'info'],
      ['get', 429, 'fail'],
      ['put', 503, 'info'],
      ['delete', 500, 'info'],
      ['get', 504, 'fail'],
      ['put', 302, 'info'],
    ]
    for (const [f, status, type] of cases) assert.equal(answerOutcome(f, answer(status, {}), rules).type, type, `${f} ${status}`)
    assert.deepEqual(answerOutcome('put', answer(503, { error: { code: 'quorum_unavailable' } }), rules), {
      type: 'info',
      error: 'quorum_unavailable',
    })
    // An error code that is not a short word is not trusted: the status names it.
    assert.deepEqual(answerOutcome('put', answer(400, { error: { code: 'a long sentence' } }), rules), { type: 'fail', error: 'http_400' })
  })

  test('no answer: refused is fail; a timeout or reset after sending is info for writes, fail for reads', ({ assert }) => {
    assert.deepEqual(failureOutcome('put', { kind: 'refused', maybeDelivered: false }), { type: 'fail', error: 'connection_refused' })
    assert.deepEqual(failureOutcome('put', { kind: 'timeout', maybeDelivered: true }), { type: 'info', error: 'timeout' })
    assert.deepEqual(failureOutcome('delete', { kind: 'reset', maybeDelivered: true }), { type: 'info', error: 'connection_reset' })
    assert.deepEqual(failureOutcome('get', { kind: 'timeout', maybeDelivered: true }), { type: 'fail', error: 'timeout' })
  })
})
