import { test } from '@japa/runner'
import {
  ConfigError,
  consistencyFixes,
  DEFAULT_STORE_SETTINGS,
  settingsProblems,
  validateNodeConfig,
  validateSettings,
  type NodeConfig,
  type UncheckedSettings,
} from './config.ts'

type Case = { name: string; settings: UncheckedSettings; members?: number; problems: { path: string; message: string }[] }

const cases: Case[] = [
  { name: 'the defaults on three nodes', settings: DEFAULT_STORE_SETTINGS, problems: [] },
  { name: 'nothing given, three nodes', settings: {}, problems: [] },
  {
    name: 'nothing given, one node: the default n is too large',
    settings: {},
    members: 1,
    problems: [{ path: 'n', message: 'must be from 1 to the number of nodes (1) (left out, it defaults to 3)' }],
  },
  {
    name: 'n=1 given: the default r and w are too large',
    settings: { n: 1 },
    problems: [
      { path: 'r', message: 'must be from 1 to n=1 (left out, it defaults to 2)' },
      { path: 'w', message: 'must be from 1 to n=1 (left out, it defaults to 2)' },
    ],
  },
  {
    name: 'n above the number of nodes',
    settings: { n: 4 },
    problems: [{ path: 'n', message: 'must be from 1 to the number of nodes (3)' }],
  },
  { name: 'r above n', settings: { n: 3, r: 4 }, problems: [{ path: 'r', message: 'must be from 1 to n=3' }] },
  { name: 'w of 0', settings: { w: 0 }, problems: [{ path: 'w', message: 'must be from 1 to n=3' }] },
  {
    name: 'n not an integer: r and w only checked to be integers',
    settings: { n: 2.5, r: 3, w: 'x' },
    problems: [
      { path: 'n', message: 'must be an integer' },
      { path: 'w', message: 'must be an integer' },
    ],
  },
  {
    name: 'an unknown versioning',
    settings: { versioning: 'crdt' },
    problems: [{ path: 'versioning', message: 'must be one of dvv, vv, lww' }],
  },
  { name: 'an empty token (shared settings: the harness makes one per cluster)', settings: { token: '' }, problems: [] },
  { name: 'a token that is not a string', settings: { token: 7 }, problems: [{ path: 'token', message: 'must be a string' }] },
  { name: 'insecure as a string', settings: { insecure: 'yes' }, problems: [{ path: 'insecure', message: 'must be true or false' }] },
  { name: 'vnodes of 0', settings: { vnodes: 0 }, problems: [{ path: 'vnodes', message: 'must be at least 1' }] },
  {
    name: 'a timeout as a string',
    settings: { replicaTimeoutMs: '1000' },
    problems: [{ path: 'replicaTimeoutMs', message: 'must be an integer' }],
  },
  { name: 'strict as a string', settings: { strict: 'yes' }, problems: [{ path: 'strict', message: 'must be true or false' }] },
  { name: 'strict as null', settings: { strict: null }, problems: [{ path: 'strict', message: 'must be true or false' }] },
  {
    name: 'a phi threshold of 0',
    settings: { phiThreshold: 0 },
    problems: [{ path: 'phiThreshold', message: 'must be a number above 0' }],
  },
  { name: 'a fractional phi threshold', settings: { phiThreshold: 0.5 }, problems: [] },
  { name: 'anti-entropy off', settings: { antiEntropyIntervalMs: 0 }, problems: [] },
  {
    name: 'an unknown peer connection mode',
    settings: { peerConnections: 'shared' },
    problems: [{ path: 'peerConnections', message: 'must be one of streamed, pooled, per-message' }],
  },
  { name: 'a sibling limit of 0', settings: { maxSiblings: 0 }, problems: [{ path: 'maxSiblings', message: 'must be at least 1' }] },
  {
    name: 'an object limit below the value limit',
    settings: { maxValueBytes: 2048, maxObjectBytes: 1024 },
    problems: [{ path: 'maxObjectBytes', message: 'must be at least maxValueBytes (2048)' }],
  },
  {
    name: 'a value limit above the default object limit',
    settings: { maxValueBytes: 16 * 1024 * 1024 },
    problems: [{ path: 'maxObjectBytes', message: 'must be at least maxValueBytes (16777216) (left out, it defaults to 8388608)' }],
  },
  {
    name: 'every problem at once',
    settings: { n: 9, versioning: 'x', token: 0, readRepair: 1 },
    problems: [
      { path: 'n', message: 'must be from 1 to the number of nodes (3)' },
      { path: 'versioning', message: 'must be one of dvv, vv, lww' },
      { path: 'token', message: 'must be a string' },
      { path: 'readRepair', message: 'must be true or false' },
    ],
  },
  {
    name: 'a consistency mode that does not exist',
    settings: { consistency: 'strong' },
    problems: [{ path: 'consistency', message: 'must be one of eventual, causal, sequential, linearizable' }],
  },
  {
    name: 'linearizable with lww: refused, it orders a key itself',
    settings: { consistency: 'linearizable', versioning: 'lww' },
    problems: [{ path: 'versioning', message: 'must be dvv with consistency=linearizable: it orders the writes of a key itself' }],
  },
  {
    name: 'causal with vv: refused, it keeps dvv siblings',
    settings: { consistency: 'causal', versioning: 'vv' },
    problems: [{ path: 'versioning', message: 'must be dvv with consistency=causal: it keeps concurrent writes as dvv siblings' }],
  },
  {
    name: 'sequential with n below the cluster size: refused, every node holds every key',
    settings: { consistency: 'sequential', n: 3 },
    members: 5,
    problems: [
      {
        path: 'n',
        message:
          'must equal the number of nodes (5) with consistency=sequential: every node holds every key, so a client reads on the node it is attached to',
      },
    ],
  },
  {
    name: 'linearizable with n below the cluster size: fine, it forwards',
    settings: { consistency: 'linearizable', n: 3 },
    members: 5,
    problems: [],
  },
]

const node = (changes: Partial<NodeConfig>): NodeConfig => ({
  ...DEFAULT_STORE_SETTINGS,
  token: 'secret',
  id: 'n1',
  host: '127.0.0.1',
  port: 7001,
  dataDir: 'data/n1',
  peers: [
    { id: 'n2', host: '127.0.0.1', port: 7002 },
    { id: 'n3', host: '127.0.0.1', port: 7003 },
  ],
  ...changes,
})

const refusal = (config: NodeConfig): string[] => {
  try {
    validateNodeConfig(config)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

test.group('config: settingsProblems', () => {
  test('{name}')
    .with(cases)
    .run(({ assert }, { settings, members = 3, problems }) => {
      assert.deepEqual(
        settingsProblems(settings, members).map(({ path, message }) => ({ path, message })),
        problems,
      )
    })

  test('each problem carries the value the field held', ({ assert }) => {
    assert.deepEqual(settingsProblems({ n: 3, r: 4 }, 3), [{ path: 'r', value: 4, message: 'must be from 1 to n=3' }])
    assert.deepEqual(settingsProblems({ n: 1 }, 3)[0].value, 2)
  })
})

test.group('config: validateNodeConfig', () => {
  test('a valid config is returned as is', ({ assert }) => {
    const config = node({})
    assert.strictEqual(validateNodeConfig(config), config)
  })

  test('every problem is named, field and value, in one error', ({ assert }) => {
    const problems = refusal(
      node({
        id: 'n-1',
        r: 4,
        token: '',
        dataDir: '',
        peers: [
          { id: 'n2', host: '127.0.0.1', port: 7002 },
          { id: 'n2', host: '127.0.0.1', port: 7003 },
        ],
      }),
    )
    assert.deepEqual(problems, [
      'r=4 must be from 1 to n=3',
      'node id "n-1" must be 1-64 letters, digits or _',
      'node id "n2" appears twice among the node and its peers',
      'data dir must not be empty',
      'no cluster secret: give every node of the cluster the same --token <secret> (or --token-file), or --insecure to run without one',
    ])
  })

  test('a node without a secret starts only when insecure', ({ assert }) => {
    assert.lengthOf(refusal(node({ token: '' })), 1)
    assert.deepEqual(refusal(node({ token: 'insecure', insecure: true })), [])
  })

  test('n is checked against the node and its peers', ({ assert }) => {
    assert.deepEqual(refusal(node({ n: 3, peers: [] })), ['n=3 must be from 1 to the number of nodes (1)'])
  })
})

test.group('config: what a consistency mode sets itself', () => {
  test('eventual sets nothing; the others turn off sloppy quorums and read repair, causal anti-entropy too', ({ assert }) => {
    assert.deepEqual(consistencyFixes(DEFAULT_STORE_SETTINGS), [])
    const fixed = (consistency: 'causal' | 'sequential' | 'linearizable') => validateSettings({ ...DEFAULT_STORE_SETTINGS, consistency }, 3)
    assert.include(fixed('linearizable'), {
      strict: true,
      readRepair: false,
      antiEntropyIntervalMs: DEFAULT_STORE_SETTINGS.antiEntropyIntervalMs,
    })
    assert.include(fixed('sequential'), { strict: true, readRepair: false })
    assert.include(fixed('causal'), { strict: true, readRepair: false, antiEntropyIntervalMs: 0 })
    assert.include(validateNodeConfig(node({ consistency: 'causal' })), { strict: true, antiEntropyIntervalMs: 0 })
    assert.deepEqual(
      consistencyFixes({ ...DEFAULT_STORE_SETTINGS, consistency: 'sequential', strict: true }).map((f) => f.path),
      ['readRepair'],
      'only what the settings do not already say',
    )
  })
})
