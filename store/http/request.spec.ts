/**
 * Reading a client's JSON body: a key `__proto__` anywhere in it is refused (LMDB's encoding
 * would read it back renamed), however it is spelled, and every other body is read as is.
 */
import { test } from '@japa/runner'
import { Hono } from 'hono'
import { ApiError } from '../errors.ts'
import { readOptionalJson } from './request.ts'

const app = new Hono()
app.post('/', async (c) => c.json({ body: (await readOptionalJson(c)) ?? null }))
// Answers without the body: writing a deeply nested one back would be the test's own overflow.
app.post('/read', async (c) => c.json({ read: (await readOptionalJson(c)) !== undefined }))
app.onError((error, c) => (error instanceof ApiError ? c.json(error.toJSON(), error.status) : c.json({ error: String(error) }, 500)))

type Answer = { body?: unknown; error?: { message: string } }

const post = async (body: string, path = '/'): Promise<{ status: number; json: Answer }> => {
  const response = await app.request(path, { method: 'POST', body })
  return { status: response.status, json: (await response.json()) as Answer }
}

test.group('client JSON bodies', () => {
  test('a key __proto__ is refused with 400, at any depth and however escaped: {$self}')
    .with([
      '{"value": {"__proto__": 1}}',
      '{"value": [1, {"a": {"__proto__": {"b": 2}}}]}',
      '{"value": {"\\u005f_proto__": "x"}}',
      '{"value": {"__pr\\u006fto__": null}}',
      '{"__proto__": {"value": 1}}',
    ])
    .run(async ({ assert }, body) => {
      const { status, json } = await post(body)
      assert.equal(status, 400)
      assert.include(json.error?.message, '"__proto__" cannot be stored')
    })

  test('other bodies are read as they are, a string "__proto__" or a key like it included: {$self}')
    .with([
      '{"value": "__proto__"}',
      '{"value": ["__proto__", {"__proto_": 1, "proto": 2, "__proto__x": 3}]}',
      '{"value": {"\\u0061": "\\u00e9"}}',
      '{"value": 1, "context": "abc"}',
    ])
    .run(async ({ assert }, body) => {
      const { status, json } = await post(body)
      assert.equal(status, 200)
      assert.deepEqual(json.body, JSON.parse(body))
    })

  test('a body nested deeper than a recursive walk could go is read without overflowing', async ({ assert }) => {
    const depth = 100_000
    const body = `{"value": ${'['.repeat(depth)}"\\u0061"${']'.repeat(depth)}}`
    const { status } = await post(body, '/read')
    // JSON.parse itself may refuse such depth (400); what must not happen is a crash (500).
    assert.oneOf(status, [200, 400])
  })
})
