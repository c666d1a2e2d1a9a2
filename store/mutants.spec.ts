import { test } from '@japa/runner'
import { activeMutant, MUTANT_ENV, MUTANTS } from './mutants.ts'

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
