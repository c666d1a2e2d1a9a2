/**
 * The verdict and exit code: what each configuration promises, 1 only for a promised
 * guarantee broken (the same lost write fails dvv and is an expected anomaly under lww),
 * 2 for a run that could not complete or whose promises could not be checked, and doubt
 * (no convergence) never failing a run.
 */
import { test } from '@japa/runner'
import type { Analysis } from './analysis.ts'
import { promisedGuarantees, type Guarantee } from './verdict.ts'
import { buildSummary } from './summary.ts'
import { terminalSummary } from './terminal-summary.ts'
import { analyseBuilt } from './testing/analyse.ts'
import { HistoryBuilder, type BuilderConfig } from './testing/history-builder.ts'

/** A register history with one lost write: w1 and a concurrent w2, final read shows w2 only. */
function lostWrite(config: BuilderConfig): HistoryBuilder {
  const h = new HistoryBuilder(config)
  h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
  h.put({ process: 1, value: 'b', dot: ['n2', 1], at: [0, 10] })
  h.get({ process: 5, values: ['b'], versions: [['n2', 1]], context: { n1: 1, n2: 1 }, phase: 'final', at: [50, 51] })
  return h
}

/** A register history where process 0 reads without its own acknowledged write. */
function staleOwnRead(config: BuilderConfig): HistoryBuilder {
  const h = new HistoryBuilder(config)
  h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
  h.get({ process: 0, context: {}, at: [20, 21] })
  h.get({ process: 5, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [50, 51] })
  return h
}

const status = (a: Analysis, g: Guarantee) => a.verdict.guarantees.find((r) => r.guarantee === g)?.status

test.group('verdict: promised guarantees', () => {
  test('dvv promises no lost writes; lww and vv do not', ({ assert }) => {
    const run = new HistoryBuilder().run
    assert.isTrue(promisedGuarantees({ ...run, versioning: 'dvv' })['no-lost-writes'].promised)
    assert.isFalse(promisedGuarantees({ ...run, versioning: 'lww' })['no-lost-writes'].promised)
    assert.isFalse(promisedGuarantees({ ...run, versioning: 'vv' })['no-lost-writes'].promised)
  })

  test('read-your-writes only with dvv, strict quorums and R + W > N', ({ assert }) => {
    const run = new HistoryBuilder().run
    const ryw = (over: Partial<typeof run>) => promisedGuarantees({ ...run, ...over })['read-your-writes'].promised
    assert.isTrue(ryw({ versioning: 'dvv', strict: true, n: 3, r: 2, w: 2 }))
    assert.isFalse(ryw({ versioning: 'dvv', strict: false, n: 3, r: 2, w: 2 }))
    assert.isFalse(ryw({ versioning: 'dvv', strict: true, n: 3, r: 1, w: 2 }))
    assert.isFalse(ryw({ versioning: 'lww', strict: true, n: 3, r: 2, w: 2 }))
  })

  test('monotonic reads, monotonic writes and writes-follow-reads are never promised', ({ assert }) => {
    const promises = promisedGuarantees(new HistoryBuilder().run)
    for (const g of ['monotonic-reads', 'monotonic-writes', 'writes-follow-reads'] as const) assert.isFalse(promises[g].promised, g)
    assert.isTrue(promises['no-phantom-values'].promised)
    assert.isTrue(promises['final-reads-agree'].promised)
  })
})

test.group('verdict: exit codes', () => {
  test('a lost write fails a dvv run (exit 1) and is an expected anomaly under lww (exit 0)', async ({ assert }) => {
    const dvv = await analyseBuilt(lostWrite({ versioning: 'dvv' }).end())
    assert.equal(dvv.verdict.exitCode, 1)
    assert.equal(status(dvv, 'no-lost-writes'), 'violated')
    assert.match(dvv.verdict.reason, /no-lost-writes \(1\)/)
    const lww = await analyseBuilt(lostWrite({ versioning: 'lww' }).end())
    assert.equal(lww.verdict.exitCode, 0)
    assert.equal(status(lww, 'no-lost-writes'), 'anomaly')
  })

  test('read-your-writes fails a strict R + W > N dvv run, not a sloppy one', async ({ assert }) => {
    const strict = await analyseBuilt(staleOwnRead({ strict: true }).end())
    assert.equal(strict.verdict.exitCode, 1)
    assert.equal(status(strict, 'read-your-writes'), 'violated')
    const sloppy = await analyseBuilt(staleOwnRead({ strict: false }).end())
    assert.equal(sloppy.verdict.exitCode, 0)
    assert.equal(status(sloppy, 'read-your-writes'), 'anomaly')
  })

  test('a run that did not complete exits 2, even with violations', async ({ assert }) => {
    const noEnd = await analyseBuilt(lostWrite({}))
    assert.equal(noEnd.verdict.exitCode, 2)
    assert.match(noEnd.verdict.reason, /no end record/)
    const interrupted = await analyseBuilt(lostWrite({}).end(false, 'Ctrl-C'))
    assert.equal(interrupted.verdict.exitCode, 2)
    assert.match(interrupted.verdict.reason, /interrupted.*Ctrl-C/)
    const notAHistory = await analyseBuilt(lostWrite({}).withoutRun().end())
    assert.equal(notAHistory.verdict.exitCode, 2)
    assert.match(notAHistory.verdict.reason, /no run record/)
  })

  test('a promised guarantee that could not be checked (every final read failed) exits 2 and is named', async ({ assert }) => {
    const h = new HistoryBuilder({ versioning: 'dvv', strict: true })
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.converged(false, 10, 1100)
    for (const node of ['n1', 'n2', 'n3']) h.get({ process: 5, node, type: 'info', phase: 'final', at: [1200, 1201] })
    const a = await analyseBuilt(h.end())
    assert.equal(status(a, 'no-lost-writes'), 'not-checked')
    assert.equal(status(a, 'final-reads-agree'), 'not-checked')
    assert.equal(a.verdict.exitCode, 2)
    assert.match(
      a.verdict.reason,
      /^promised guarantees not checked: no-lost-writes \(the history has no ok final read\), final-reads-agree/,
    )
    assert.notInclude(a.verdict.reason, 'no promised guarantee violated')
  })

  test('a violation and an unchecked promise: exit 1, and the reason names both', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.get({ process: 0, context: {}, at: [20, 21] })
    const a = await analyseBuilt(h.end())
    assert.equal(a.verdict.exitCode, 1)
    assert.match(
      a.verdict.reason,
      /violated: read-your-writes \(1\); promised guarantees not checked: no-lost-writes .*, final-reads-agree/,
    )
  })

  test('a guarantee with nothing to check stays ok, and the summary shows it checked 0', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.converged(true, 5, 30)
    h.get({ process: 5, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [50, 51] })
    const a = await analyseBuilt(h.end())
    const ryw = a.verdict.guarantees.find((g) => g.guarantee === 'read-your-writes')
    assert.deepInclude(ryw, { promised: true, status: 'ok', checked: 0 })
    assert.equal(a.verdict.exitCode, 0)
    const printed = terminalSummary(
      buildSummary(
        'run',
        a,
        a.verdict.guarantees.map((g) => ({ ...g, examples: [] })),
        [],
        0,
      ),
      'run',
    )
    assert.match(printed, /read-your-writes +yes +ok +0 +0 reads/)
  })

  test('a clean run exits 0', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.get({ process: 0, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, at: [20, 21] })
    h.converged(true, 5, 30)
    h.get({ process: 5, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [50, 51] })
    const a = await analyseBuilt(h.end())
    assert.equal(a.verdict.exitCode, 0)
    assert.deepEqual([...new Set(a.verdict.guarantees.map((g) => g.status))], ['ok'])
  })

  test('without convergence a dvv loss is inconclusive (exit 0); disagreeing final reads after convergence fail', async ({ assert }) => {
    const unconverged = await analyseBuilt(lostWrite({}).converged(false, 60_000, 40).end())
    assert.equal(status(unconverged, 'no-lost-writes'), 'inconclusive')
    assert.equal(unconverged.verdict.exitCode, 0)

    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.converged(true, 5, 30)
    h.get({ process: 5, node: 'n1', values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [50, 51] })
    h.get({ process: 6, node: 'n2', values: [], context: { n1: 1 }, phase: 'final', at: [50, 52] })
    const disagree = await analyseBuilt(h.end())
    assert.equal(status(disagree, 'final-reads-agree'), 'violated')
    assert.equal(disagree.verdict.exitCode, 1)
  })
})
