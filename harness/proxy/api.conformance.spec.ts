/**
 * Conformance of the HTTP API: the same requests, through toxiproxy-node-client and raw
 * HTTP, against the embedded server and (with TOXIPROXY_URL) a real Toxiproxy 2.12, with
 * the answers Toxiproxy gives: status codes, bodies byte for byte, error messages.
 */
import { createServer, type AddressInfo } from 'node:net'
import { test } from '@japa/runner'
import { ToxiproxyError } from 'toxiproxy-node-client'
import { serversUnderTest } from './test/servers.ts'
import { useServer, type RawResponse } from './test/scope.ts'

const JSON_TYPE = 'application/json'
const ERROR_TYPE = 'text/plain; charset=utf-8'

/** The body Toxiproxy sends for an API error (Go's http.Error: a trailing newline). */
const errorText = (status: number, message: string): string => `${JSON.stringify({ error: message, status })}\n`

const proxyText = (name: string, listen: string, upstream: string, enabled = true, toxics = '[]'): string =>
  `{"name":${JSON.stringify(name)},"listen":"${listen}","upstream":"${upstream}","enabled":${enabled},"Logger":{},"toxics":${toxics}}`

/** A loopback port held by another listener for as long as the test runs. */
async function heldPort(): Promise<{ port: number; release(): Promise<void> }> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    port: (server.address() as AddressInfo).port,
    release: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

const servers = serversUnderTest()
console.log(`proxy conformance (HTTP API) against: ${servers.map((s) => s.label).join('; ')}`)

for (const server of servers) {
  test.group(`conformance: ${server.label}: HTTP API`, (group) => {
    group.tap((t) => t.tags(['integration']))
    const scope = useServer(group, server)

    const assertError = (
      assert: { equal(a: unknown, b: unknown, m?: string): void },
      response: RawResponse,
      status: number,
      message: string,
    ): void => {
      assert.equal(response.status, status, response.text)
      assert.equal(response.contentType, ERROR_TYPE)
      assert.equal(response.text, errorText(status, message))
    }

    test('GET /version answers {"version": ...}', async ({ assert }) => {
      const response = await scope().raw('GET', '/version')
      assert.equal(response.status, 200)
      assert.equal(response.contentType, 'application/json;charset=utf-8')
      assert.match(response.text, /^\{"version": "[^"]+"\}\n$/)
      assert.equal(await scope().client.getVersion(), response.text)
    })

    test('POST /proxies listens on an ephemeral port and reports it', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('create', echo.address)
      assert.match(proxy.listen, /^127\.0\.0\.1:\d+$/)
      assert.notEqual(proxy.listen, '127.0.0.1:0')
      assert.isTrue(proxy.enabled)
      const shown = await s.raw('GET', `/proxies/${proxy.name}`)
      assert.equal(shown.status, 200)
      assert.equal(shown.contentType, JSON_TYPE)
      assert.equal(shown.text, proxyText(proxy.name, proxy.listen, echo.address))
      const client = await s.connect(proxy.listen)
      assert.isBelow(await client.roundTrip('hello'), 1000)
    })

    test('a raw POST /proxies answers 201 with the proxy, field for field', async ({ assert }) => {
      const s = scope()
      const name = s.name('raw')
      const response = await s.raw(
        'POST',
        '/proxies',
        JSON.stringify({ name, listen: '127.0.0.1:0', upstream: '127.0.0.1:9', enabled: false }),
      )
      assert.equal(response.status, 201)
      assert.equal(response.contentType, JSON_TYPE)
      assert.equal(response.text, proxyText(name, '127.0.0.1:0', '127.0.0.1:9', false))
    })

    test('GET /proxies is a map from name to proxy', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const a = await s.proxy('map-a', echo.address)
      const b = await s.proxy('map-b', echo.address)
      const response = await s.raw('GET', '/proxies')
      assert.equal(response.status, 200)
      const all = JSON.parse(response.text) as Record<string, unknown>
      for (const proxy of [a, b]) {
        assert.deepEqual(all[proxy.name], JSON.parse((await s.raw('GET', `/proxies/${proxy.name}`)).text))
      }
      const viaClient = await s.client.getAll()
      assert.equal(viaClient[a.name].listen, a.listen)
      assert.equal(viaClient[b.name].upstream, echo.address)
    })

    test('creating an existing proxy is a 409', async ({ assert }) => {
      const s = scope()
      const proxy = await s.proxy('twice', '127.0.0.1:9')
      const body = JSON.stringify({ name: proxy.name, listen: '127.0.0.1:0', upstream: '127.0.0.1:9' })
      assertError(assert, await s.raw('POST', '/proxies', body), 409, 'proxy already exists')
      await assert.rejects(() => s.client.createProxy({ name: proxy.name, listen: '127.0.0.1:0', upstream: '127.0.0.1:9' }), ToxiproxyError)
    })

    test('a proxy without name or upstream is a 400 naming the field', async ({ assert }) => {
      const s = scope()
      assertError(
        assert,
        await s.raw('POST', '/proxies', '{"listen":"127.0.0.1:0","upstream":"127.0.0.1:9"}'),
        400,
        'missing required field: name',
      )
      assertError(
        assert,
        await s.raw('POST', '/proxies', JSON.stringify({ name: s.name('no-upstream'), listen: '127.0.0.1:0' })),
        400,
        'missing required field: upstream',
      )
    })

    test('a bad body is a 400 with Go decoder message {0}')
      .with([
        ['', 'bad request body: EOF'],
        ['{"name":"a",', 'bad request body: unexpected EOF'],
        ['nonsense', "bad request body: invalid character 'o' in literal null (expecting 'u')"],
        ['{"name":"a" "b"}', `bad request body: invalid character '"' after object key:value pair`],
        ['{"name":"a",}', "bad request body: invalid character '}' looking for beginning of object key string"],
        ['{"name":5}', 'bad request body: json: cannot unmarshal number into Go struct field Proxy.name of type string'],
        [
          '{"name":"x","upstream":"y","enabled":"yes"}',
          'bad request body: json: cannot unmarshal string into Go struct field Proxy.enabled of type bool',
        ],
        ['[]', 'bad request body: json: cannot unmarshal array into Go value of type toxiproxy.Proxy'],
      ] as const)
      .run(async ({ assert }, [body, message]) => {
        assertError(assert, await scope().raw('POST', '/proxies', body), 400, message)
        assert.equal((await scope().raw('GET', '/version')).status, 200)
      })

    test('unknown proxies are 404s on every route', async ({ assert }) => {
      const s = scope()
      const missing = s.name('missing')
      for (const [method, path, body] of [
        ['GET', `/proxies/${missing}`],
        ['PATCH', `/proxies/${missing}`, '{}'],
        ['DELETE', `/proxies/${missing}`],
        ['GET', `/proxies/${missing}/toxics`],
        ['POST', `/proxies/${missing}/toxics`, '{"type":"latency"}'],
        ['GET', `/proxies/${missing}/toxics/t`],
        ['DELETE', `/proxies/${missing}/toxics/t`],
      ] as const) {
        assertError(assert, await s.raw(method, path, body), 404, 'proxy not found')
      }
      await assert.rejects(() => s.client.get(missing), ToxiproxyError)
    })

    test('a listen port in use is a 500 with the bind error, and the server keeps running', async ({ assert }) => {
      const s = scope()
      const held = await heldPort()
      s.defer(() => held.release())
      const name = s.name('in-use')
      const body = JSON.stringify({ name, listen: `127.0.0.1:${held.port}`, upstream: '127.0.0.1:9' })
      assertError(assert, await s.raw('POST', '/proxies', body), 500, `listen tcp 127.0.0.1:${held.port}: bind: address already in use`)
      assert.equal((await s.raw('GET', `/proxies/${name}`)).status, 404)
      assertError(
        assert,
        await s.raw('POST', '/proxies', JSON.stringify({ name, listen: 'nonsense', upstream: '127.0.0.1:9' })),
        500,
        'listen tcp: address nonsense: missing port in address',
      )
      assert.equal((await s.raw('GET', '/version')).status, 200)
    })

    test('enabled: false closes the listener and open connections; true reopens the same address', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('toggle', echo.address)
      const open = await s.connect(proxy.listen)
      await open.roundTrip()
      const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream })
      assert.isFalse(disabled.enabled)
      assert.isDefined(await open.closedWithin(2000), 'the open connection was not closed')
      await assert.rejects(() => s.connect(proxy.listen), /ECONNREFUSED/)
      const patched = await s.raw('PATCH', `/proxies/${proxy.name}`, '{"enabled":true}')
      assert.equal(patched.status, 200)
      assert.equal(patched.text, proxyText(proxy.name, proxy.listen, echo.address))
      assert.isBelow(await (await s.connect(proxy.listen)).roundTrip(), 1000)
    })

    test('a new upstream restarts the proxy: connections drop, new ones reach the new upstream', async ({ assert }) => {
      const s = scope()
      const first = await s.echo()
      const second = await s.echo()
      const proxy = await s.proxy('upstream', first.address)
      const open = await s.connect(proxy.listen)
      await open.roundTrip()
      const response = await s.raw('PATCH', `/proxies/${proxy.name}`, JSON.stringify({ upstream: second.address }))
      assert.equal(response.text, proxyText(proxy.name, proxy.listen, second.address))
      assert.isDefined(await open.closedWithin(2000), 'the open connection was not closed')
      await (await s.connect(proxy.listen)).roundTrip()
      assert.equal(second.accepted, 1)
      assert.equal(first.accepted, 1)
    })

    test('POST /populate creates proxies, keeps unchanged ones and replaces changed ones', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const held = await heldPort()
      await held.release()
      const kept = s.name('populate-kept')
      const off = s.name('populate-off')
      const listen = `127.0.0.1:${held.port}`
      const created = await s.raw(
        'POST',
        '/populate',
        JSON.stringify([
          { name: kept, listen, upstream: echo.address },
          { name: off, listen: '127.0.0.1:0', upstream: echo.address, enabled: false },
        ]),
      )
      assert.equal(created.status, 201)
      assert.equal(created.contentType, JSON_TYPE)
      assert.equal(
        created.text,
        `{"proxies":[${proxyText(kept, listen, echo.address)},${proxyText(off, '127.0.0.1:0', echo.address, false)}]}`,
      )

      await s.raw('POST', `/proxies/${kept}/toxics`, '{"type":"latency","attributes":{"latency":1}}')
      const again = await s.client.populate([{ name: kept, listen, upstream: echo.address }])
      assert.equal(again[kept].listen, listen)
      assert.lengthOf(JSON.parse((await s.raw('GET', `/proxies/${kept}/toxics`)).text), 1, 'an unchanged proxy keeps its toxics')

      const replaced = await s.client.populate([{ name: kept, listen, upstream: '127.0.0.1:9' }])
      assert.equal(replaced[kept].upstream, '127.0.0.1:9')
      assert.equal((await s.raw('GET', `/proxies/${kept}/toxics`)).text, '[]', 'a replaced proxy starts without toxics')
    })

    test('POST /populate reports errors in its JSON body: {2}')
      .with([
        ['[{"listen":"127.0.0.1:0","upstream":"127.0.0.1:9"}]', 400, 'missing required field: name at proxy 1'],
        ['[{"name":"x","upstream":"127.0.0.1:9"},{"name":"y"}]', 400, 'missing required field: upstream at proxy 2'],
        ['', 400, 'bad request body: EOF'],
        ['[{"name":5}]', 400, 'bad request body: json: cannot unmarshal number into Go struct field .Proxy.name of type string'],
      ] as const)
      .run(async ({ assert }, [body, status, message]) => {
        const response = await scope().raw('POST', '/populate', body)
        assert.equal(response.status, status)
        assert.equal(response.contentType, JSON_TYPE)
        assert.equal(response.text, JSON.stringify({ error: message, status, proxies: null }))
      })

    test('POST /populate with no proxies answers {"proxies":null}', async ({ assert }) => {
      const response = await scope().raw('POST', '/populate', '[]')
      assert.equal(response.status, 201)
      assert.equal(response.text, '{"proxies":null}')
    })

    test('POST /reset enables every proxy and removes every toxic', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('reset', echo.address)
      await proxy.addToxic({ name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 1000, jitter: 0 } })
      await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream })
      const response = await s.raw('POST', '/reset')
      assert.equal(response.status, 204)
      assert.equal(response.text, '')
      const after = await s.client.get(proxy.name)
      assert.isTrue(after.enabled)
      assert.equal((await s.raw('GET', `/proxies/${proxy.name}/toxics`)).text, '[]')
      assert.isBelow(await (await s.connect(proxy.listen)).roundTrip(), 500)
    })

    test('unknown routes are 404s, wrong methods 405s, browsers 403s', async ({ assert }) => {
      const s = scope()
      const missing = await s.raw('GET', '/nothing')
      assert.equal(missing.status, 404)
      assert.equal(missing.text, '404 page not found\n')
      const wrongMethod = await s.raw('PUT', '/proxies')
      assert.equal(wrongMethod.status, 405)
      assert.equal(wrongMethod.text, '')
      const browser = await s.raw('GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0' })
      assert.equal(browser.status, 403)
      assert.equal(browser.text, 'User agent not allowed\n')
    })

    // ---- toxics ----

    test('POST toxics answers 200 with Toxiproxy defaults for {0}')
      .with([
        ['latency', '{"latency":0,"jitter":0}'],
        ['bandwidth', '{"rate":0}'],
        ['slow_close', '{"delay":0}'],
        ['timeout', '{"timeout":0}'],
        ['reset_peer', '{"timeout":0}'],
        ['slicer', '{"average_size":0,"size_variation":0,"delay":0}'],
        ['limit_data', '{"bytes":0}'],
      ] as const)
      .run(async ({ assert }, [type, attributes]) => {
        const s = scope()
        const proxy = await s.proxy(`defaults-${type}`, '127.0.0.1:9')
        const response = await s.raw('POST', `/proxies/${proxy.name}/toxics`, JSON.stringify({ type }))
        assert.equal(response.status, 200)
        assert.equal(response.contentType, JSON_TYPE)
        assert.equal(
          response.text,
          `{"attributes":${attributes},"name":"${type}_downstream","type":"${type}","stream":"downstream","toxicity":1}`,
        )
      })

    test('toxics list upstream then downstream, each in order of addition', async ({ assert }) => {
      const s = scope()
      const proxy = await s.proxy('order', '127.0.0.1:9')
      const add = (name: string, stream: string) =>
        s.raw('POST', `/proxies/${proxy.name}/toxics`, JSON.stringify({ name, type: 'latency', stream, attributes: { latency: 5 } }))
      await add('d1', 'downstream')
      await add('u1', 'upstream')
      await add('d2', 'downstream')
      const names = (JSON.parse((await s.raw('GET', `/proxies/${proxy.name}/toxics`)).text) as { name: string }[]).map((t) => t.name)
      assert.deepEqual(names, ['u1', 'd1', 'd2'])
      const shown = await s.raw('GET', `/proxies/${proxy.name}/toxics/u1`)
      assert.equal(shown.text, '{"attributes":{"latency":5,"jitter":0},"name":"u1","type":"latency","stream":"upstream","toxicity":1}')
      const viaClient = await (await s.client.get(proxy.name)).getToxic('d2')
      assert.equal(viaClient.stream, 'downstream')
      assert.deepEqual(viaClient.attributes, { latency: 5, jitter: 0 })
    })

    test('bad toxics get Toxiproxy status and message: {0}')
      .with([
        ['unknown type', '{"type":"nope"}', 400, 'invalid toxic type'],
        ['no type', '{"name":"x"}', 400, 'invalid toxic type'],
        ['bad stream', '{"type":"latency","stream":"sideways"}', 400, 'stream was invalid, can be either upstream or downstream'],
        [
          'string attribute',
          '{"type":"latency","attributes":{"latency":"x"}}',
          400,
          'bad request body: json: cannot unmarshal string into Go struct field LatencyToxic.attributes.latency of type int64',
        ],
        [
          'fractional attribute',
          '{"type":"slicer","attributes":{"delay":1.5}}',
          400,
          'bad request body: json: cannot unmarshal number 1.5 into Go struct field SlicerToxic.attributes.delay of type int',
        ],
        [
          'attributes not an object',
          '{"type":"latency","attributes":[1]}',
          400,
          'bad request body: json: cannot unmarshal array into Go struct field ToxicWrapper.attributes of type toxics.NoopToxic',
        ],
        [
          'string toxicity',
          '{"type":"latency","toxicity":"x"}',
          400,
          'bad request body: json: cannot unmarshal string into Go struct field ToxicWrapper.toxicity of type float32',
        ],
        ['invalid JSON', '{"type":', 400, 'bad request body: unexpected EOF'],
      ] as const)
      .run(async ({ assert }, [, body, status, message]) => {
        const s = scope()
        const proxy = await s.proxy('bad-toxic', '127.0.0.1:9')
        assertError(assert, await s.raw('POST', `/proxies/${proxy.name}/toxics`, body), status, message)
        assert.equal((await s.raw('GET', `/proxies/${proxy.name}/toxics`)).text, '[]')
      })

    test('a duplicate toxic name is a 409; unknown toxics are 404s', async ({ assert }) => {
      const s = scope()
      const proxy = await s.proxy('dup', '127.0.0.1:9')
      const path = `/proxies/${proxy.name}/toxics`
      assert.equal((await s.raw('POST', path, '{"type":"latency","stream":"upstream"}')).status, 200)
      // The default name is type_stream, so an unnamed second one collides.
      assertError(assert, await s.raw('POST', path, '{"type":"latency","stream":"upstream"}'), 409, 'toxic already exists')
      assertError(assert, await s.raw('POST', path, '{"type":"bandwidth","name":"latency_upstream"}'), 409, 'toxic already exists')
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        assertError(assert, await s.raw(method, `${path}/nope`, method === 'PATCH' ? '{}' : undefined), 404, 'toxic not found')
      }
      assert.equal((await s.raw('DELETE', `${path}/latency_upstream`)).status, 204)
      assertError(assert, await s.raw('DELETE', `${path}/latency_upstream`), 404, 'toxic not found')
    })

    test('negative attributes and out-of-range toxicity are accepted as given', async ({ assert }) => {
      const s = scope()
      const proxy = await s.proxy('negative', '127.0.0.1:9')
      const response = await s.raw(
        'POST',
        `/proxies/${proxy.name}/toxics`,
        '{"name":"neg","type":"latency","toxicity":1.7,"attributes":{"latency":-5,"jitter":-3}}',
      )
      assert.equal(response.status, 200)
      assert.equal(
        response.text,
        '{"attributes":{"latency":-5,"jitter":-3},"name":"neg","type":"latency","stream":"downstream","toxicity":1.7}',
      )
      assert.equal((await s.raw('GET', '/version')).status, 200)
    })

    test('updating a toxic merges attributes and toxicity; name, type and stream stay', async ({ assert }) => {
      const s = scope()
      const proxy = await s.proxy('update', '127.0.0.1:9')
      const toxic = await proxy.addToxic({
        name: 'lat',
        type: 'latency',
        stream: 'upstream',
        toxicity: 1,
        attributes: { latency: 100, jitter: 0 },
      })
      const path = `/proxies/${proxy.name}/toxics/lat`
      const patched = await s.raw('PATCH', path, '{"attributes":{"jitter":5},"toxicity":0.5}')
      assert.equal(
        patched.text,
        '{"attributes":{"latency":100,"jitter":5},"name":"lat","type":"latency","stream":"upstream","toxicity":0.5}',
      )
      const updated = await toxic.update({
        ...toxic.toJson(),
        name: 'renamed',
        type: 'bandwidth',
        stream: 'downstream',
        toxicity: 0.25,
        attributes: { latency: 7, jitter: 5 },
      })
      assert.equal(updated.name, 'lat')
      assert.equal(updated.type, 'latency')
      assert.equal(updated.stream, 'upstream')
      assert.equal(updated.toxicity, 0.25)
      assert.deepEqual(updated.attributes, { latency: 7, jitter: 5 })
      assertError(assert, await s.raw('PATCH', path, 'bad'), 400, "bad request body: invalid character 'b' looking for beginning of value")
    })
  })
}
