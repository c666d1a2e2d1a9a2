/** The op generator's mix of reads, writes and compare-and-sets, per process and seed. */
import { test } from '@japa/runner'
import { Random } from '../../common/helpers/random.ts'
import { PRESETS, prepareWorkload } from '../../workloads/workload.ts'
import { OpGenerator, type PlannedOp } from './op-generator.ts'

const ops = (casFraction: number, count: number, seed = 7): PlannedOp[] => {
  const workload = prepareWorkload({ ...PRESETS.distributed, keys: 20, readFraction: 0.4, casFraction })
  const keys = Array.from({ length: 20 }, (_, i) => `k${i}`)
  const generator = new OpGenerator({
    process: 2,
    rng: new Random(seed).fork('ops/2'),
    workload,
    keys,
    nodes: ['n1', 'n2', 'n3'],
    routing: 'random',
  })
  return Array.from({ length: count }, () => generator.next())
}

test.group('op generator', () => {
  test('compare-and-sets take their fraction of the ops, each with a unique element like a put', ({ assert }) => {
    const planned = ops(0.3, 4000)
    const share = (f: PlannedOp['f']) => planned.filter((op) => op.f === f).length / planned.length
    assert.closeTo(share('get'), 0.4, 0.03)
    assert.closeTo(share('cas'), 0.3, 0.03)
    assert.closeTo(share('put'), 0.3, 0.03)
    const elements = planned.filter((op) => op.f !== 'get').map((op) => op.element)
    assert.equal(new Set(elements).size, elements.length)
    assert.isTrue(elements.every((e) => e?.startsWith('2-')))
  })

  test('without cas the same seed draws what it always did; with cas only writes turn into cas', ({ assert }) => {
    const plain = ops(0, 500)
    assert.isFalse(plain.some((op) => op.f === 'cas'))
    assert.deepEqual(ops(0, 500), plain)
    const withCas = ops(0.3, 500)
    // Reads, keys and nodes are drawn alike; a draw past the reads is a cas or a put.
    assert.deepEqual(
      withCas.map((op) => [op.f === 'get', op.key, op.node]),
      plain.map((op) => [op.f === 'get', op.key, op.node]),
    )
    assert.isTrue(withCas.some((op) => op.f === 'cas'))
  })
})
