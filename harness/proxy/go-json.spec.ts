/**
 * The Go-compatible JSON of the embedded Toxiproxy's API: syntax errors worded as Go's
 * json.Decoder words them, decoding into Go types (case-insensitive keys, int64 and float32
 * ranges, the first mismatch reported), and output escaped as Go escapes it.
 */
import { test } from '@japa/runner'
import { decodeGoSlice, decodeGoStruct, GoJsonError, parseGoJson, stringifyGoJson, type GoStruct } from './go-json.ts'

const PROXY: GoStruct = {
  goType: 'toxiproxy.Proxy',
  fields: {
    name: { label: 'Proxy.name', type: 'string' },
    enabled: { label: 'Proxy.enabled', type: 'bool' },
    rate: { label: 'Proxy.rate', type: 'int64' },
    toxicity: { label: 'Proxy.toxicity', type: 'float32' },
    attributes: {
      label: 'Proxy.attributes',
      type: { goType: 'toxics.LatencyToxic', fields: { latency: { label: 'LatencyToxic.attributes.latency', type: 'int64' } } },
    },
  },
}

function syntaxError(text: string): string {
  try {
    parseGoJson(text)
  } catch (error) {
    if (error instanceof GoJsonError) return error.message
    throw error
  }
  return 'no error'
}

test.group('go-json: reading a body as Go json.Decoder does', () => {
  test('syntax error: {1}')
    .with([
      ['', 'EOF'],
      ['  \n', 'EOF'],
      ['{"a":', 'unexpected EOF'],
      ['{"a":tr', 'unexpected EOF'],
      ['nonsense', "invalid character 'o' in literal null (expecting 'u')"],
      ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
      ['{"a":1 "b"}', `invalid character '"' after object key:value pair`],
      ['{"a" 1}', "invalid character '1' after object key"],
      ['{,}', "invalid character ',' looking for beginning of object key string"],
      ['[1,]', "invalid character ']' looking for beginning of value"],
      ['[1 2]', "invalid character '2' after array element"],
      ['{"a":-}', "invalid character '}' in numeric literal"],
      ['{"a":1.}', "invalid character '}' after decimal point in numeric literal"],
      ['{"a":1e}', "invalid character '}' in exponent of numeric literal"],
      ['{"a":"\\q"}', "invalid character 'q' in string escape code"],
      ['{"a":"\\u12x4"}', "invalid character 'x' in \\u hexadecimal character escape"],
      ['{"a":"\n"}', "invalid character '\\n' in string literal"],
      ["'", "invalid character '\\'' looking for beginning of value"],
      ['é', "invalid character 'Ã' looking for beginning of value"],
    ])
    .run(({ assert }, [text, message]) => {
      assert.equal(syntaxError(text), message)
    })

  test('only the first value counts: trailing text is ignored', ({ assert }) => {
    assert.deepEqual(decodeGoStruct(parseGoJson('{"name":"a"} trailing'), PROXY).fields, { name: 'a' })
    assert.equal(syntaxError('5x'), 'no error')
  })

  test('strings decode escapes and replace lone surrogates', ({ assert }) => {
    assert.equal(parseGoJson('"a\\u00e9\\ud83d\\ude00\\ud800\\n"'), 'aé😀\ufffd\n')
  })
})

test.group('go-json: decoding into Go types', () => {
  test('keys match exactly or ignoring case; null and unknown keys leave fields alone', ({ assert }) => {
    const { fields, error } = decodeGoStruct(parseGoJson('{"NAME":"a","Enabled":true,"rate":null,"other":1}'), PROXY)
    assert.isUndefined(error)
    assert.deepEqual(fields, { name: 'a', enabled: true })
  })

  test('the first mismatch is reported and the other fields still decode', ({ assert }) => {
    const { fields, error } = decodeGoStruct(parseGoJson('{"name":5,"rate":7,"enabled":"yes"}'), PROXY)
    assert.equal(error, 'json: cannot unmarshal number into Go struct field Proxy.name of type string')
    assert.deepEqual(fields, { rate: 7 })
  })

  test('mismatch message for {0}')
    .with([
      ['[]', 'json: cannot unmarshal array into Go value of type toxiproxy.Proxy'],
      ['{"rate":1.5}', 'json: cannot unmarshal number 1.5 into Go struct field Proxy.rate of type int64'],
      ['{"rate":1e2}', 'json: cannot unmarshal number 1e2 into Go struct field Proxy.rate of type int64'],
      ['{"rate":9223372036854775808}', 'json: cannot unmarshal number 9223372036854775808 into Go struct field Proxy.rate of type int64'],
      ['{"rate":"1"}', 'json: cannot unmarshal string into Go struct field Proxy.rate of type int64'],
      ['{"toxicity":1e39}', 'json: cannot unmarshal number 1e39 into Go struct field Proxy.toxicity of type float32'],
      ['{"attributes":5}', 'json: cannot unmarshal number into Go struct field Proxy.attributes of type toxics.LatencyToxic'],
      ['{"attributes":{"latency":true}}', 'json: cannot unmarshal bool into Go struct field LatencyToxic.attributes.latency of type int64'],
    ])
    .run(({ assert }, [text, message]) => {
      assert.equal(decodeGoStruct(parseGoJson(text), PROXY).error, message)
    })

  test('float32 values read back as Go prints them', ({ assert }) => {
    assert.equal(decodeGoStruct(parseGoJson('{"toxicity":0.123456789012}'), PROXY).fields.toxicity, 0.12345679)
    assert.equal(decodeGoStruct(parseGoJson('{"toxicity":0.1}'), PROXY).fields.toxicity, 0.1)
  })

  test('repeated nested objects merge, as Go decodes them in turn', ({ assert }) => {
    const { fields } = decodeGoStruct(parseGoJson('{"attributes":{"latency":1},"attributes":{}}'), PROXY)
    assert.deepEqual(fields, { attributes: { latency: 1 } })
  })

  test('slices decode each element; a non-array is a mismatch', ({ assert }) => {
    const slice = { goType: '[]toxiproxy.Proxy', element: PROXY }
    assert.deepEqual(decodeGoSlice(parseGoJson('[{"name":"a"},null]'), slice).items, [{ name: 'a' }, {}])
    assert.equal(decodeGoSlice(parseGoJson('{}'), slice).error, 'json: cannot unmarshal object into Go value of type []toxiproxy.Proxy')
    assert.equal(decodeGoSlice(parseGoJson('[7]'), slice).error, 'json: cannot unmarshal number into Go value of type toxiproxy.Proxy')
  })

  test('output escapes HTML characters and line separators as Go does', ({ assert }) => {
    assert.equal(stringifyGoJson({ name: '<a&b>\u2028é' }), '{"name":"\\u003ca\\u0026b\\u003e\\u2028é"}')
  })
})
