/**
 * The WARS recorder: each replica call gives its two legs, a leg that would be negative
 * (clocks of two hosts) is dropped, and the reservoir stays bounded while `seen` counts
 * every call and what it keeps is a uniform sample of all of them.
 */
import { test } from '@japa/runner'
import { WarsRecorder } from './wars.ts'

test.group('WARS recorder', () => {
  test('a write call gives W and A, a read call R and S, at the times they started', ({ assert }) => {
    const wars = new WarsRecorder({ node: 'n1' })
    wars.call('write', 100, 103, 104.5)
    wars.call('read', 200, 201, 203)
    const { node, legs } = wars.snapshot()
    assert.equal(node, 'n1')
    assert.deepEqual(legs.write.samples, [[100, 3]])
    assert.deepEqual(legs.ack.samples, [[103, 1.5]])
    assert.deepEqual(legs.read.samples, [[200, 1]])
    assert.deepEqual(legs.response.samples, [[201, 2]])
  })

  test("the coordinator's own commit: from applying the write to having it on disk; one that ends before it starts is dropped", ({
    assert,
  }) => {
    const wars = new WarsRecorder({ node: 'n1' })
    wars.commit(100, 100.4)
    wars.commit(200, 199)
    assert.deepEqual(wars.snapshot().commit, { seen: 1, samples: [[100, 0.4000000000000057]] })
  })

  test('a call whose replica time falls outside it is dropped, not clamped', ({ assert }) => {
    const wars = new WarsRecorder({ node: 'n1' })
    wars.call('write', 100, 99, 101)
    wars.call('read', 100, 102, 101)
    const { legs } = wars.snapshot()
    for (const leg of Object.values(legs)) assert.deepEqual(leg, { seen: 0, samples: [] })
  })

  test('bounded: keeps `capacity` samples of each leg, a uniform sample of every call seen', ({ assert }) => {
    const wars = new WarsRecorder({ node: 'n1', capacity: 1000, seed: 3 })
    for (let i = 0; i < 20_000; i++) wars.call('write', i, i + 1, i + 2)
    const { legs } = wars.snapshot()
    assert.equal(legs.write.seen, 20_000)
    assert.lengthOf(legs.write.samples, 1000)
    // Uniform over the calls: as many kept from the first half as from the second, within sampling noise.
    const early = legs.write.samples.filter(([at]) => at < 10_000).length
    assert.closeTo(early, 500, 80)
  })

  test('refuses a capacity that is not a positive integer', ({ assert }) => {
    assert.throws(() => new WarsRecorder({ node: 'n1', capacity: 0 }), /capacity must be an integer >= 1, got 0/)
  })
})
