/**
 * The http store description's validator: the shipped examples are valid and get their
 * defaults; every kind of mistake is named by its JSON path, all of them at once.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import { DescriptionError, readDescription, validateDescription } from './description.ts'

const EXAMPLES = fileURLToPath(new URL('./examples/', import.meta.url))

/** A minimal valid description, to break one field at a time. */
const minimal = () => ({
  name: 'mini',
  node: { command: ['{node}', 'store.js', '--port', '{port}'] },
  requests: {
    get: { path: '/kv/{key}' },
    put: { method: 'POST', path: '/kv/{key}', body: { value: '{value}', meta: '{context}' } },
  },
  responses: { value: '/value' },
})

const problemsOf = (raw: unknown): string[] => {
  const result = validateDescription(raw, '/descriptions')
  return 'problems' in result ? result.problems : []
}

test.group('http store description', () => {
  test('the shipped examples are valid: {examples}')
    .with(['kvs.json', 'kvs-lost-update.json', 'quorumlab.json'])
    .run(async ({ assert }, file) => {
      const description = await readDescription(join(EXAMPLES, file))
      assert.isAbove(description.node.command.length, 2)
      assert.equal(description.requests.put.method, 'PUT')
      assert.equal(description.responses.values, '/values')
      assert.deepEqual(description.statuses.notFound, [404])
    })

  test('defaults: methods by op, peers as id=host:port joined by commas, cwd the file folder, any answer means ready', ({ assert }) => {
    const result = validateDescription(minimal(), '/descriptions')
    if ('problems' in result) throw new Error(result.problems.join('; '))
    const { description } = result
    assert.equal(description.requests.get.method, 'GET')
    assert.equal(description.requests.put.method, 'POST')
    assert.isUndefined(description.requests.delete)
    assert.equal(description.node.peer, '{id}={host}:{port}')
    assert.equal(description.node.peerSeparator, ',')
    assert.equal(description.node.cwd, '/descriptions')
    assert.deepEqual(description.node.ready, { method: 'GET', path: '/', statuses: [] })
    assert.equal(description.node.startTimeoutMs, 20_000)
    assert.deepEqual(description.promises, [])
    assert.deepEqual(description.statuses, { notFound: [], fail: [], unknown: [] })
  })

  test('every problem is named by its JSON path, all at once', ({ assert }) => {
    const raw = {
      name: 'two words',
      promises: ['linearizable', 'serializable'],
      colour: 'red',
      node: { command: ['run', '{nodes}'], peer: '{id}@{addr}', env: { A: 1 }, ready: { statuses: [700] }, startTimeoutMs: 0 },
      requests: {
        get: { method: 'FETCH', path: 'kv/{key}', body: {} },
        put: { path: '/kv/{key}', body: { v: 'x{value}', c: '{context}' } },
        delete: { path: '/kv/{key}', body: { v: '{value}' } },
      },
      responses: { values: 'values', value: '/value' },
      statuses: { notFound: [404], fail: [404, 'x'] },
    }
    assert.sameMembers(problemsOf(raw), [
      'name: must be 1-64 letters, digits, _, . or -',
      'promises[1]: must be one of linearizable, sequential, causal, no-lost-writes, no-phantom-values, final-reads-agree',
      'colour: unknown field (expected name, promises, node, requests, responses, statuses)',
      'node.command[1]: unknown placeholder {nodes} (here: {id} {host} {port} {dataDir} {peers} {node})',
      'node.peer: unknown placeholder {addr} (here: {id} {host} {port})',
      'node.env.A: must be a non-empty string',
      'node.ready.statuses[0]: must be an HTTP status (100-599)',
      'node.startTimeoutMs: must be an integer from 1 to 600000 (ms)',
      'requests.get.method: must be one of GET, HEAD, POST, PUT, PATCH, DELETE',
      'requests.get.path: must start with /',
      'requests.get.body: a GET sends no body',
      'requests.put.body.v: {value} must be the whole string (it becomes a JSON value)',
      'requests.put.body: must hold "{value}" as a whole string, where the value written goes',
      'requests.delete.body.v: unknown placeholder {value} (here: {key} {context})',
      'responses.values: must be a JSON pointer ("" for the whole answer, or /field/0/...)',
      'responses: give one of values (a pointer to an array of sibling values) or value (a pointer to the one value)',
      'statuses.fail[1]: must be an HTTP status (100-599)',
      'statuses.fail: 404 is in statuses.notFound too: a status means one thing',
    ])
  })

  test('a GET that sends a body, a missing section and a wrong type are named', ({ assert }) => {
    const raw = { ...minimal(), requests: { get: { path: '/kv/{key}', body: { k: '{key}' } } }, responses: 'values' }
    assert.sameMembers(problemsOf(raw), [
      'requests.get.body: a GET sends no body',
      'requests.put: must be an object with method, path, headers, body',
      'requests.put.path: must be a non-empty string',
      'requests.put.body: must hold "{value}" as a whole string, where the value written goes',
      'responses: must be an object with values, value, context, error',
      'responses: give one of values (a pointer to an array of sibling values) or value (a pointer to the one value)',
    ])
    assert.sameMembers(problemsOf([]), [
      '(the file): must be an object with name, promises, node, requests, responses, statuses',
      'name: must be a non-empty string',
      'node: must be an object with command, peer, peerSeparator, cwd, env, ready, startTimeoutMs',
      'node.command: must be a non-empty list of words (argv)',
      'requests: must be an object with get, put, delete',
      'requests.get: must be an object with method, path, headers, body',
      'requests.get.path: must be a non-empty string',
      'requests.put: must be an object with method, path, headers, body',
      'requests.put.path: must be a non-empty string',
      'requests.put.body: must hold "{value}" as a whole string, where the value written goes',
      'responses: must be an object with values, value, context, error',
      'responses: give one of values (a pointer to an array of sibling values) or value (a pointer to the one value)',
    ])
  })

  test('a file that is missing or not JSON is refused with its name', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-description-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'broken.json'), '{"name": ')
    for (const [file, problem] of [
      ['missing.json', 'no such file'],
      ['broken.json', 'not readable JSON'],
    ]) {
      const error = await readDescription(join(dir, file)).then(
        () => undefined,
        (e: unknown) => e,
      )
      assert.instanceOf(error, DescriptionError)
      assert.include((error as DescriptionError).message, join(dir, file))
      assert.include((error as DescriptionError).problems[0], problem)
    }
  })
})
