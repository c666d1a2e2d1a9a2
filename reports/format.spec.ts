import { test } from '@japa/runner'
import { nemesesText } from './format.ts'

test.group('format: nemeses in words', () => {
  test('in turn, together, one, none, and histories from before the schedule was recorded', ({ assert }) => {
    assert.equal(nemesesText({ nemeses: ['crash', 'partition'], nemesisSchedule: 'rotate' }), 'crash, then partition')
    assert.equal(nemesesText({ nemeses: ['latency', 'crash'], nemesisSchedule: 'together' }), 'latency+crash')
    assert.equal(nemesesText({ nemeses: ['latency', 'crash'] }), 'latency+crash', 'older histories ran them together')
    assert.equal(nemesesText({ nemeses: ['partition'] }), 'partition')
    assert.equal(nemesesText({ nemeses: [] }), 'none')
  })
})
