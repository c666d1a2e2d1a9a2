import { test } from '@japa/runner'
import { activeMutant, MUTANT_ENV, MUTANTS, oldestState } from './mutants.ts'

test.group('mutants: the test-only switch', () => {
  test('off unless QUORUMLAB_MUTANT names a mutant; an unknown name is refused, not ignored', ({ assert }) => {
    assert.isUndefined(activeMutant({}))
    assert.isUndefined(activeMutant({ [MUTANT_ENV]: '' }))
    assert.equal(activeMutant({ [MUTANT_ENV]: 'skip-fsync' }), 'skip-fsync')
    assert.throws(
      () => activeMutant({ [MUTANT_ENV]: 'skip-fsnc' }),
      /QUORUMLAB_MUTANT=skip-fsnc: no such mutant; expected one of skip-fsync,/,
    )
    assert.isAtLeast(Object.keys(MUTANTS).length, 10)
  })
})

test.group('mutants: read-repair-overwrites', () => {
  test('oldestState picks the state whose context has seen least, whatever the order', ({ assert }) => {
    const older = { context: { clock: { n1: 2 }, dots: [] }, tag: 'older' }
    const newer = { context: { clock: { n1: 2, n2: 1 }, dots: [{ node: 'n3', counter: 4 }] }, tag: 'newer' }
    assert.equal(oldestState([newer, older]).tag, 'older')
    assert.equal(oldestState([older, newer]).tag, 'older')
  })
})
