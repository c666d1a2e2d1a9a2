import { test } from '@japa/runner'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ring } from '../store/ring.ts'
import { KINDS } from './kinds.ts'
import { loadWorkload } from './load.ts'
import { keyNames } from './placement.ts'
import { PRESETS, prepareWorkload, WorkloadError } from './workload.ts'

test.group('workload kinds', () => {
  test('register: every write and every resolution is a unique value', ({ assert }) => {
    const a = KINDS.register.write('3-17', undefined, 32)
    const b = KINDS.register.write('3-18', ['3-17'], 32)
    assert.notEqual(a.value, b.value)
    assert.match(String(a.value), /^3-17:x+$/)
    assert.lengthOf(String(a.value), 32)
    assert.equal(KINDS.register.write('1-1', undefined, 2).value, '1-1')
    const resolved = KINDS.register.resolve('3-r0', [a.value, b.value], 32)
    assert.notInclude([a.value, b.value] as string[], resolved.value as string)
  })

  test('set: a write adds its element to what the session knew; siblings merge by union', ({ assert }) => {
    assert.deepEqual(KINDS.set.write('1-0', undefined, 0), { value: ['1-0'], element: '1-0' })
    assert.deepEqual(KINDS.set.write('1-2', [['1-0', '2-0']], 0), { value: ['1-0', '1-2', '2-0'], element: '1-2' })
    const merged = KINDS.set.resolve('ignored', [['a', 'b'], ['b', 'c'], ['d']], 0)
    assert.deepEqual(merged.value, ['a', 'b', 'c', 'd'])
    assert.isUndefined(merged.element)
  })
})

test.group('workload placement and presets', () => {
  test('colocated keys share one preference list; spread keys do not', ({ assert }) => {
    const ring = { nodes: ['n1', 'n2', 'n3', 'n4', 'n5'], vnodes: 16 }
    const r = new Ring(ring)
    const colocated = keyNames(16, 'colocated', (key) => r.preferenceList(key))
    assert.lengthOf(new Set(colocated), 16)
    const lists = new Set(colocated.map((k) => r.preferenceList(k).join(',')))
    assert.equal(lists.size, 1)
    const spread = new Set(keyNames(16, 'spread').map((k) => r.preferenceList(k).slice(0, 3).join(',')))
    assert.isAbove(spread.size, 1)
  })

  test('the presets are valid and say what the issue says', ({ assert }) => {
    assert.include(prepareWorkload(PRESETS.distributed), { keys: 1000, placement: 'spread', readFraction: 0.5 })
    assert.deepEqual(PRESETS.distributed.distribution, { type: 'uniform' })
    assert.include(prepareWorkload(PRESETS.clustered), { keys: 16, placement: 'colocated' })
    assert.deepEqual(PRESETS.clustered.distribution, { type: 'zipfian', theta: 0.99 })
  })

  test('workload files: JSON and TypeScript, validated with the file and field named', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-workload-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'hot.json'), JSON.stringify({ preset: 'clustered', name: 'hot', kind: 'set', keys: 4 }))
    const hot = await loadWorkload(join(dir, 'hot.json'))
    assert.include(hot, { name: 'hot', kind: 'set', keys: 4, placement: 'colocated' })
    await writeFile(
      join(dir, 'mine.ts'),
      "export default { name: 'mine', readFraction: 0.9, distribution: { type: 'hotspot', hotKeyFraction: 0.2, hotOpFraction: 0.8 } }\n",
    )
    const mine = await loadWorkload(join(dir, 'mine.ts'))
    assert.include(mine, { name: 'mine', readFraction: 0.9, keys: 1000 })
    await writeFile(
      join(dir, 'bad.json'),
      JSON.stringify({ keys: 0, readFraction: 2, distribution: { type: 'zipfian', theta: 11 }, colour: 'red' }),
    )
    const error = await loadWorkload(join(dir, 'bad.json')).catch((e: unknown) => e)
    assert.instanceOf(error, WorkloadError)
    const message = (error as WorkloadError).problems.join('\n')
    for (const part of ['unknown field "colour"', 'keys must be', 'readFraction must be', 'distribution.theta'])
      assert.include(message, part)
    assert.include(message, 'bad.json')
    await writeFile(join(dir, 'broken.json'), '{ nope')
    await assert.rejects(() => loadWorkload(join(dir, 'broken.json')), /broken\.json/)
  })
})

test.group('workload compare-and-set', () => {
  test('casFraction: 0 by default, a number from 0 to 1, for registers, beside the reads', ({ assert }) => {
    assert.equal(prepareWorkload(PRESETS.distributed).casFraction, 0)
    assert.equal(prepareWorkload({ ...PRESETS.distributed, readFraction: 0.5, casFraction: 0.5 }).casFraction, 0.5)
    const problems = (casFraction: unknown, over: object = {}) => {
      try {
        prepareWorkload({ ...PRESETS.distributed, ...over, casFraction } as never)
        return []
      } catch (error) {
        return (error as WorkloadError).problems
      }
    }
    assert.deepEqual(problems(1.5), ['casFraction must be a number from 0 to 1'])
    assert.deepEqual(problems('0.1'), ['casFraction must be a number from 0 to 1'])
    assert.deepEqual(problems(0.2, { kind: 'set' }), ['casFraction applies to the register kind only, not set'])
    assert.deepEqual(problems(0.6), ['readFraction + casFraction must be at most 1 (got 0.5 + 0.6): the rest are puts'])
    assert.deepEqual(problems(0, { kind: 'set' }), [])
  })

  test('a workload file may set casFraction', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-workload-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'cas.json'), JSON.stringify({ name: 'cas', readFraction: 0.4, casFraction: 0.3 }))
    assert.include(await loadWorkload(join(dir, 'cas.json')), { readFraction: 0.4, casFraction: 0.3 })
  })
})
