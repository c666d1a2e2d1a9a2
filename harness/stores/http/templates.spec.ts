/** Filling in an http store description's templates: requests, bodies, commands and JSON pointers. */
import { test } from '@japa/runner'
import { atPointer, fill, fillBody, fillCommand, fillRequest, placeholders } from './templates.ts'

test.group('http store templates', () => {
  test('placeholders are found and filled; unknown ones are left as they are', ({ assert }) => {
    assert.deepEqual(placeholders('/kv/{key}?r={r}&x={}'), ['key', 'r'])
    assert.equal(fill('/kv/{key}/{other}', { key: 'k1' }), '/kv/k1/{other}')
  })

  test('a request: the key URL-encoded in the path, raw in headers, the body as JSON', ({ assert }) => {
    const template = {
      method: 'PUT',
      path: '/kvs/{key}',
      headers: { 'x-key': '{key}' },
      body: { value: '{value}', 'causal-metadata': '{context}', note: 'key {key}' },
    }
    const request = fillRequest(template, { key: 'a b/ç', value: { n: [1, 2] }, context: '{"n1":3}' })
    assert.equal(request.method, 'PUT')
    assert.equal(request.path, '/kvs/a%20b%2F%C3%A7')
    assert.deepEqual(request.headers, { 'x-key': 'a b/ç' })
    assert.deepEqual(JSON.parse(request.body!), { value: { n: [1, 2] }, 'causal-metadata': { n1: 3 }, note: 'key a b/ç' })
    assert.notProperty(fillRequest({ method: 'GET', path: '/kv/{key}', headers: {} }, { key: 'k' }), 'body')
  })

  test('without a context, a property holding it is left out and an array item becomes null', ({ assert }) => {
    const template = { value: '{value}', meta: '{context}', list: ['{context}', 'x'], nested: { meta: '{context}' } }
    assert.deepEqual(fillBody(template, { key: 'k', value: 'v', context: null }), { value: 'v', list: [null, 'x'], nested: {} })
    assert.isNull(fillBody('{context}', { key: 'k' }))
    // A value that is itself a string holding braces is not a template.
    assert.deepEqual(fillBody({ value: '{value}' }, { key: 'k', value: '{key}' }), { value: '{key}' })
  })

  test('a command: {peers} joined into one word, or, with a list of peer words, those words for every peer', ({ assert }) => {
    const node = {
      id: 'n1',
      listen: { host: '127.0.0.1', port: 7001 },
      dataDir: '/data/n1',
      peers: [
        { id: 'n2', host: '127.0.0.1', port: 21102 },
        { id: 'n3', host: '127.0.0.1', port: 21103 },
      ],
    }
    const words = fillCommand(
      {
        command: ['{node}', 'store', '--id={id}', '{port}', '{dataDir}', '{peers}'],
        peer: ['--peer', '{id}={host}:{port}'],
        peerSeparator: ',',
        env: { P: '{peers}' },
      },
      node,
    )
    assert.deepEqual(words.argv, [
      process.execPath,
      'store',
      '--id=n1',
      '7001',
      '/data/n1',
      '--peer',
      'n2=127.0.0.1:21102',
      '--peer',
      'n3=127.0.0.1:21103',
    ])
    assert.deepEqual(words.env, { P: '--peer n2=127.0.0.1:21102 --peer n3=127.0.0.1:21103' })
    const joined = fillCommand(
      {
        command: ['kvs', '--peers', '{peers}', 'list:{peers}'],
        peer: '{id}@{host}:{port}',
        peerSeparator: ';',
        env: { PEERS: '{peers}', HOME_DIR: '{dataDir}' },
      },
      node,
    )
    const list = 'n2@127.0.0.1:21102;n3@127.0.0.1:21103'
    assert.deepEqual(joined.argv, ['kvs', '--peers', list, `list:${list}`])
    assert.deepEqual(joined.env, { PEERS: list, HOME_DIR: '/data/n1' })
    // One node has no peers: a joined list is empty, spliced words are none.
    const alone = { ...node, peers: [] }
    assert.deepEqual(fillCommand({ command: ['kvs', '{peers}'], peer: '{id}', peerSeparator: ',', env: {} }, alone).argv, ['kvs', ''])
    assert.deepEqual(fillCommand({ command: ['kvs', '{peers}'], peer: ['-p', '{id}'], peerSeparator: ',', env: {} }, alone).argv, ['kvs'])
  })

  test('JSON pointers (RFC 6901): fields, array items, escapes, the whole document, and what is not there', ({ assert }) => {
    const doc = { values: ['a', { b: 1 }], 'a/b': { 'm~n': 2 }, zero: 0, none: null }
    assert.deepEqual(atPointer(doc, ''), { found: true, value: doc })
    assert.deepEqual(atPointer(doc, '/values/1/b'), { found: true, value: 1 })
    assert.deepEqual(atPointer(doc, '/a~1b/m~0n'), { found: true, value: 2 })
    assert.deepEqual(atPointer(doc, '/zero'), { found: true, value: 0 })
    assert.deepEqual(atPointer(doc, '/none'), { found: true, value: null })
    for (const missing of ['/values/2', '/values/01', '/values/-', '/nope', '/zero/x', '/none/x']) {
      assert.deepEqual(atPointer(doc, missing), { found: false }, missing)
    }
  })
})
