/**
 * The verdict and exit code: what each configuration promises, 1 only for a promised
 * guarantee broken (the same lost write fails dvv and is an expected anomaly under lww),
 * 2 for a run that could not complete or whose promises could not be decided (not checked,
 * or a violation under doubt: no convergence), and the composition itself on every
 * combination of validity and promise.
 */
import { test } from '@japa/runner'
import { decided, undecided, type CheckPromise, type CheckResult } from '../common/contracts/checker.ts'
import type { ConsistencyMode, NemesisName, RunInfo } from '../common/contracts/history.ts'
import { join } from 'node:path'
import { analyseHistory, type Analysis } from './analysis.ts'
import { CHECK_NAMES, type GUARANTEES, MODEL_CHECKS, promisedGuarantees, withFailOn } from './promises.ts'
import { decideVerdict } from './verdict.ts'
import { buildSummary } from './summary.ts'
import { terminalSummary } from './terminal-summary.ts'
import { analyseBuilt, tempDir } from './testing/analyse.ts'
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

type Check = (typeof GUARANTEES)[number] | (typeof MODEL_CHECKS)[number]
const status = (a: Analysis, g: Check) => a.verdict.checks.find((c) => c.name === g)?.status
const promised = (run: RunInfo, g: Check): boolean | undefined => promisedGuarantees(run).find((p) => p.name === g)?.promised

/** A causal violation across two keys (x=1 read, y=1 written after; y=1 read, then x read as absent), and the final reads. */
function causalViolation(config: BuilderConfig): HistoryBuilder {
  // R + W = N: the read of x that misses a completed write is a causal anomaly here, not a promised stale read.
  const h = new HistoryBuilder({ r: 1, ...config })
  h.put({ process: 0, key: 'x', value: 1, dot: ['n1', 1], at: [0, 1] })
  h.get({ process: 1, key: 'x', values: [1], versions: [['n1', 1]], context: { n1: 1 }, at: [2, 3] })
  h.put({ process: 1, key: 'y', value: 1, dot: ['n1', 2], context: { n1: 1 }, at: [4, 5] })
  h.get({ process: 2, key: 'y', values: [1], versions: [['n1', 2]], context: { n1: 2 }, at: [6, 7] })
  h.get({ process: 2, key: 'x', values: [], context: {}, at: [8, 9] })
  h.converged(true, 5, 30)
  h.get({ process: 5, key: 'x', values: [1], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [50, 51] })
  h.get({ process: 5, key: 'y', values: [1], versions: [['n1', 2]], context: { n1: 2 }, phase: 'final', at: [52, 53] })
  return h
}

test.group('verdict: promised guarantees', () => {
  test('dvv promises no lost writes; lww and vv do not', ({ assert }) => {
    const run = new HistoryBuilder().run
    assert.isTrue(promised({ ...run, versioning: 'dvv' }, 'no-lost-writes'))
    assert.isFalse(promised({ ...run, versioning: 'lww' }, 'no-lost-writes'))
    assert.isFalse(promised({ ...run, versioning: 'vv' }, 'no-lost-writes'))
  })

  test('the single-valued consistency modes do not promise no lost writes by dots; eventual and causal do', ({ assert }) => {
    const run = new HistoryBuilder().run
    assert.isFalse(promised({ ...run, consistency: 'sequential' }, 'no-lost-writes'))
    assert.isFalse(promised({ ...run, consistency: 'linearizable' }, 'no-lost-writes'))
    assert.isTrue(promised({ ...run, consistency: 'causal' }, 'no-lost-writes'))
    assert.isTrue(promised({ ...run, consistency: 'eventual' }, 'no-lost-writes'))
    assert.isTrue(promised(run, 'no-lost-writes'), 'a history from before the modes is eventual')
  })

  test('read-your-writes and no stale reads only with dvv, R + W > N and no stand-in node', ({ assert }) => {
    const run = new HistoryBuilder().run
    const four = ['n1', 'n2', 'n3', 'n4']
    for (const g of ['read-your-writes', 'no-stale-reads'] as const) {
      const is = (over: Partial<typeof run>) => promised({ ...run, ...over }, g)
      assert.isTrue(is({ versioning: 'dvv', strict: true, n: 3, r: 2, w: 2, nodes: four }), g)
      // Sloppy, but every node is a home replica: there is no stand-in to take a write.
      assert.isTrue(is({ versioning: 'dvv', strict: false, n: 3, r: 2, w: 2 }), g)
      assert.isFalse(is({ versioning: 'dvv', strict: false, n: 3, r: 2, w: 2, nodes: four }), g)
      assert.isFalse(is({ versioning: 'dvv', strict: true, n: 3, r: 1, w: 2 }), g)
      assert.isFalse(is({ versioning: 'lww', strict: true, n: 3, r: 2, w: 2 }), g)
    }
  })

  test('monotonic reads, monotonic writes and writes-follow-reads are never promised', ({ assert }) => {
    const run = new HistoryBuilder().run
    for (const g of ['monotonic-reads', 'monotonic-writes', 'writes-follow-reads'] as const) assert.isFalse(promised(run, g), g)
    assert.isTrue(promised(run, 'no-phantom-values'))
    assert.isTrue(promised(run, 'final-reads-agree'))
  })

  test('without a run record nothing is promised', ({ assert }) => {
    const promises = promisedGuarantees(undefined)
    assert.deepEqual(
      promises.map((p) => p.name),
      [...CHECK_NAMES],
    )
    for (const p of promises) assert.isFalse(p.promised, p.name)
  })

  test('every check the analysis runs is one the promises name, in the same order: every guarantee, then every model', async ({
    assert,
  }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    const a = await analyseBuilt(h.end())
    // Every guarantee, then every model: each has a checker in this build.
    const ran = a.verdict.checks.map((c) => c.name)
    assert.deepEqual(ran, [...CHECK_NAMES])
    assert.deepEqual(
      ran,
      promisedGuarantees(a.run).flatMap((p) => (ran.includes(p.name) ? [p.name] : [])),
    )
    assert.includeMembers(ran, ['linearizable', 'sequential', 'causal'])
  })

  test('each consistency mode promises its models: eventual (or none given) none, causal causal and the session guarantees', ({
    assert,
  }) => {
    const run = new HistoryBuilder().run
    const promisedModels = (over: Partial<RunInfo>) => MODEL_CHECKS.filter((m) => promised({ ...run, ...over }, m))
    assert.deepEqual(promisedModels({}), [])
    assert.deepEqual(promisedModels({ consistency: 'eventual' }), [])
    assert.deepEqual(promisedModels({ consistency: 'causal' }), [
      'causal',
      'read-your-writes-from-values',
      'monotonic-reads-from-values',
      'monotonic-writes-from-values',
      'writes-follow-reads-from-values',
    ])
    assert.deepEqual(promisedModels({ consistency: 'sequential' }), ['sequential'])
    assert.deepEqual(promisedModels({ consistency: 'linearizable' }), ['linearizable'])
    assert.deepEqual(promisedModels({ consistency: 'causal', workload: { ...run.workload, kind: 'set' } }), [])
  })

  test('no-stale-reads: promised by intersecting quorums, not where a read is served by the client node alone', ({ assert }) => {
    const run = new HistoryBuilder({ r: 2, w: 2, strict: true }).run
    const staleFree = (consistency?: ConsistencyMode) => promised({ ...run, ...(consistency ? { consistency } : {}) }, 'no-stale-reads')
    assert.isTrue(staleFree())
    assert.isTrue(staleFree('eventual'))
    assert.isTrue(staleFree('linearizable'))
    assert.isFalse(staleFree('causal'))
    assert.isFalse(staleFree('sequential'))
  })
})

test.group('verdict: consistency models', () => {
  test('a causal violation is an anomaly of an eventual run (exit 0) and fails a causal one (exit 1)', async ({ assert }) => {
    const eventual = await analyseBuilt(causalViolation({}).end())
    assert.equal(status(eventual, 'causal'), 'anomaly')
    assert.equal(status(eventual, 'writes-follow-reads-from-values'), 'anomaly')
    assert.equal(eventual.verdict.exitCode, 0)
    assert.match(eventual.verdict.reason, /found \(not promised\): .*causal, .*writes-follow-reads-from-values/)
    const causal = await analyseBuilt(causalViolation({ consistency: 'causal' }).end())
    assert.equal(causal.verdict.exitCode, 1)
    assert.equal(status(causal, 'causal'), 'violated')
    assert.match(causal.verdict.reason, /violated: causal \(1\), writes-follow-reads-from-values \(1\)/)
    const example = causal.verdict.checks.find((c) => c.name === 'causal')?.examples[0]
    assert.deepEqual(
      example?.ops.map((o) => o.role),
      ['write in the causal past', 'causal path', 'causal path', 'causal path', 'read'],
    )
  })

  test('the models are not judged for the set workload: unknown, and not promised', async ({ assert }) => {
    const h = new HistoryBuilder({ kind: 'set' })
    h.put({ process: 0, value: ['a'], element: 'a', dot: ['n1', 1], at: [0, 10] })
    const a = await analyseBuilt(h.end())
    const causal = a.verdict.checks.find((c) => c.name === 'causal')
    assert.deepInclude(causal, { valid: 'unknown', promised: false, status: 'unknown' })
    assert.match(causal?.reason ?? '', /register workloads only/)
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

  test('--fail-on makes an anomaly the configuration does not promise fail the run (exit 1)', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    await lostWrite({ versioning: 'lww' }).end().writeRun(dir)
    const history = join(dir, 'history.jsonl')
    const asked = await analyseHistory(history, { workers: 0, failOn: ['no-lost-writes'] })
    assert.equal(asked.verdict.exitCode, 1)
    assert.equal(status(asked, 'no-lost-writes'), 'violated')
    assert.match(asked.verdict.checks.find((c) => c.name === 'no-lost-writes')!.why, /--fail-on no-lost-writes/)
    // Asking for a check that held changes nothing.
    assert.equal((await analyseHistory(history, { workers: 0, failOn: ['monotonic-reads'] })).verdict.exitCode, 0)
    // A check no checker reported cannot be decided: exit 2, naming it.
    const missing = await analyseHistory(history, { workers: 0, failOn: ['strict-serializable'] })
    assert.equal(missing.verdict.exitCode, 2)
    assert.match(missing.verdict.reason, /strict-serializable \(no checker reported it\)/)
  })

  test('the run record carries --fail-on, so a later report judges the same', async ({ assert }) => {
    const history = lostWrite({ versioning: 'lww' })
    history.run.failOn = ['no-lost-writes']
    assert.equal((await analyseBuilt(history.end())).verdict.exitCode, 1)
  })

  test('withFailOn marks the named checks promised and leaves the others as they were', ({ assert }) => {
    const base = promisedGuarantees({ ...new HistoryBuilder().run, versioning: 'lww' })
    const changed = withFailOn(base, ['no-lost-writes', 'causal'])
    assert.isTrue(changed.find((p) => p.name === 'no-lost-writes')!.promised)
    assert.isTrue(changed.find((p) => p.name === 'causal')!.promised)
    assert.deepEqual(
      changed.filter((p) => p.name !== 'no-lost-writes' && p.name !== 'causal'),
      base.filter((p) => p.name !== 'no-lost-writes' && p.name !== 'causal'),
    )
  })

  test('read-your-writes fails a strict R + W > N dvv run, not a sloppy one', async ({ assert }) => {
    const strict = await analyseBuilt(staleOwnRead({ strict: true }).end())
    assert.equal(strict.verdict.exitCode, 1)
    assert.equal(status(strict, 'read-your-writes'), 'violated')
    const sloppy = await analyseBuilt(staleOwnRead({ strict: false, nodes: ['n1', 'n2', 'n3', 'n4'] }).end())
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
    h.converged(true, 10, 1100)
    for (const node of ['n1', 'n2', 'n3']) h.get({ process: 5, node, type: 'info', phase: 'final', at: [1200, 1201] })
    const a = await analyseBuilt(h.end())
    assert.equal(status(a, 'no-lost-writes'), 'unknown')
    assert.equal(status(a, 'final-reads-agree'), 'unknown')
    assert.equal(a.verdict.exitCode, 2)
    assert.match(a.verdict.reason, /^promised guarantees undecided: no-lost-writes \(the history has no ok final read\), final-reads-agree/)
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
      /violated: no-stale-reads \(1\), read-your-writes \(1\); promised guarantees undecided: no-lost-writes .*, final-reads-agree/,
    )
  })

  test('a guarantee with nothing to check stays ok, and the summary shows it checked 0', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.converged(true, 5, 30)
    h.get({ process: 5, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [50, 51] })
    const a = await analyseBuilt(h.end())
    const ryw = a.verdict.checks.find((c) => c.name === 'read-your-writes')
    assert.deepInclude(ryw, { promised: true, valid: true, status: 'ok', checked: 0 })
    assert.equal(a.verdict.exitCode, 0)
    const printed = terminalSummary(
      buildSummary(
        'run',
        a,
        a.verdict.checks.map((c) => ({ ...c, examples: [] })),
        [],
        [],
        0,
      ),
      'run',
    )
    assert.match(printed, /read-your-writes +yes +ok +0 +0 reads/)
  })

  test('under lww the summary says why stale reads stay stale: the dropped writes count in k; dvv has no such note', async ({ assert }) => {
    const summarise = (a: Analysis) =>
      buildSummary(
        'run',
        a,
        a.verdict.checks.map((c) => ({ ...c, examples: [] })),
        [],
        [],
        0,
      )
    const withLaterRead = (versioning: 'lww' | 'dvv') => {
      const h = lostWrite({ versioning })
      // After the loss, a read sees the surviving write only: k = 1 for ever.
      h.get({ process: 2, values: ['b'], versions: [['n2', 1]], context: { n2: 1 }, at: [20, 21] })
      return h.end()
    }
    const lww = summarise(await analyseBuilt(withLaterRead('lww')))
    assert.equal(lww.staleness.staleReads, 1)
    assert.match(
      lww.staleness.note ?? '',
      /^under lww, 1 acknowledged write was dropped \(no-lost-writes\): .* counts in the k of every later read/,
    )
    assert.include(terminalSummary(lww, 'run'), `  (${lww.staleness.note})`)
    assert.isNull(summarise(await analyseBuilt(withLaterRead('dvv'))).staleness.note)
  })

  test('a clean run exits 0', async ({ assert }) => {
    const h = new HistoryBuilder({ repair: { readRepair: true, hintedHandoff: true, antiEntropy: true } })
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.get({ process: 0, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, at: [20, 21] })
    h.converged(true, 5, 30)
    h.get({ process: 5, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [50, 51] })
    // Each home replica's own copy, as the final phase reads them.
    for (const node of ['n1', 'n2', 'n3'])
      h.get({ process: 6, node, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, replica: true, at: [52, 53] })
    const a = await analyseBuilt(h.end())
    assert.equal(a.verdict.exitCode, 0)
    assert.deepEqual([...new Set(a.verdict.checks.map((c) => c.status))], ['ok'])
  })

  test('without convergence a loss is unknown, and the failure to converge fails the run; disagreeing final reads after convergence fail', async ({
    assert,
  }) => {
    const unconverged = await analyseBuilt(lostWrite({}).converged(false, 60_000, 40).end())
    assert.equal(status(unconverged, 'no-lost-writes'), 'unknown')
    assert.equal(status(unconverged, 'converges'), 'violated')
    assert.equal(unconverged.verdict.exitCode, 1)
    assert.match(
      unconverged.verdict.reason,
      /violated: converges \(1\); promised guarantee undecided: no-lost-writes \(the cluster did not converge/,
    )
    const lww = await analyseBuilt(lostWrite({ versioning: 'lww' }).converged(false, 60_000, 40).end())
    assert.equal(status(lww, 'no-lost-writes'), 'unknown')
    assert.equal(status(lww, 'converges'), 'violated')
    assert.equal(lww.verdict.exitCode, 1)
    // A store that cannot tell whether it converged leaves nothing to judge.
    const untold = await analyseBuilt(lostWrite({ versioning: 'lww' }).end())
    assert.equal(status(untold, 'converges'), 'ok')

    // Convergence is promised only where a repair path reaches every key.
    const all = { readRepair: true, hintedHandoff: true, antiEntropy: true }
    const readRepairOnly = await analyseBuilt(
      lostWrite({ repair: { ...all, hintedHandoff: false, antiEntropy: false }, nemeses: ['partition'] })
        .converged(false, 60_000, 40)
        .end(),
    )
    assert.equal(status(readRepairOnly, 'converges'), 'anomaly')
    assert.equal(
      readRepairOnly.verdict.exitCode,
      2,
      'unconverged with read repair alone: the losses cannot be judged, nothing promised fails',
    )
    const promisedBy = (repair: typeof all, nemeses: NemesisName[]) =>
      promised({ ...new HistoryBuilder({ repair, nemeses }).run }, 'converges')
    assert.isTrue(promisedBy({ ...all, hintedHandoff: false, readRepair: false }, ['crash']), 'anti-entropy reaches every key')
    assert.isTrue(promisedBy({ ...all, antiEntropy: false, readRepair: false }, ['partition', 'pause']), 'hints carry every missed write')
    assert.isFalse(promisedBy({ ...all, antiEntropy: false }, ['partition', 'crash']), 'a killed coordinator leaves an unhinted write')
    assert.isFalse(
      promisedBy({ ...all, antiEntropy: false, hintedHandoff: false }, ['partition']),
      'read repair fixes only keys read again',
    )
    assert.isFalse(promisedBy({ readRepair: false, hintedHandoff: false, antiEntropy: false }, []))

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

/** A decided check of the given validity: 'unknown' with a reason, false with one violation. */
function result(name: string, valid: boolean | 'unknown'): CheckResult {
  const counts = { name, kind: 'guarantee' as const, checked: 1, checkedWhat: 'reads', examples: [] }
  if (valid === 'unknown') return undecided(counts, 'no way to tell')
  return decided({ ...counts, violations: valid ? 0 : 1 })
}

test.group('verdict: composition', () => {
  const promise = (name: string, promised: boolean): CheckPromise => ({ name, promised, why: promised ? 'promised' : 'not promised' })

  test('{title}')
    .with([
      { title: 'promised and valid: exit 0, ok', promised: true, valid: true, exitCode: 0, status: 'ok' },
      { title: 'promised and invalid: exit 1, violated', promised: true, valid: false, exitCode: 1, status: 'violated' },
      { title: 'promised and unknown: exit 2, unknown', promised: true, valid: 'unknown', exitCode: 2, status: 'unknown' },
      { title: 'not promised, invalid: exit 0, anomaly', promised: false, valid: false, exitCode: 0, status: 'anomaly' },
      { title: 'not promised, unknown: exit 0, unknown', promised: false, valid: 'unknown', exitCode: 0, status: 'unknown' },
    ] as const)
    .run(({ assert }, row) => {
      const verdict = decideVerdict({ checks: [result('x', row.valid)], promises: [promise('x', row.promised)], incomplete: null })
      assert.equal(verdict.exitCode, row.exitCode)
      assert.deepInclude(verdict.checks[0], { name: 'x', promised: row.promised, status: row.status })
    })

  test('a check no promise names is not promised; a promised check no checker reported is undecided (exit 2)', ({ assert }) => {
    const unnamed = decideVerdict({ checks: [result('extra', false)], promises: [], incomplete: null })
    assert.equal(unnamed.exitCode, 0)
    assert.deepInclude(unnamed.checks[0], { promised: false, status: 'anomaly' })
    const missing = decideVerdict({ checks: [], promises: [promise('linearizable', true)], incomplete: null })
    assert.equal(missing.exitCode, 2)
    assert.equal(missing.reason, 'promised guarantee undecided: linearizable (no checker reported it)')
  })

  test('a violation outranks an unknown, and an incomplete run outranks both', ({ assert }) => {
    const checks = [result('a', false), result('b', 'unknown'), result('c', true)]
    const promises = [promise('a', true), promise('b', true), promise('c', true)]
    const both = decideVerdict({ checks, promises, incomplete: null })
    assert.equal(both.exitCode, 1)
    assert.equal(both.reason, 'promised guarantee violated: a (1); promised guarantee undecided: b (no way to tell)')
    const incomplete = decideVerdict({ checks, promises, incomplete: 'the run did not complete' })
    assert.equal(incomplete.exitCode, 2)
    assert.equal(incomplete.reason, 'the run did not complete')
    assert.lengthOf(incomplete.checks, 3, 'every result is still reported')
  })
})

test.group('verdict: no stale reads', () => {
  test("a read that misses another session's completed write fails a strict R + W > N run; a concurrent one does not", async ({
    assert,
  }) => {
    const stale = new HistoryBuilder()
    stale.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    stale.get({ process: 1, context: {}, at: [20, 21] })
    stale.get({ process: 5, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [50, 51] })
    const a = await analyseBuilt(stale.end())
    assert.equal(status(a, 'no-stale-reads'), 'violated')
    assert.equal(status(a, 'read-your-writes'), 'ok')
    assert.equal(a.verdict.exitCode, 1)

    // The read was invoked before the write completed: it may miss it.
    const overlapping = new HistoryBuilder()
    overlapping.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 30] })
    overlapping.get({ process: 1, context: {}, at: [20, 21] })
    overlapping.get({ process: 5, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [50, 51] })
    const b = await analyseBuilt(overlapping.end())
    assert.equal(status(b, 'no-stale-reads'), 'ok')
    assert.equal(b.verdict.exitCode, 0)
  })
})

test.group('verdict: no duplicate dots', () => {
  test('two acknowledged writes to a key with one dot fail the run, whatever the contexts say', async ({ assert }) => {
    const h = new HistoryBuilder({ versioning: 'lww' })
    h.put({ process: 0, value: 'a', dot: ['n1', 7], at: [0, 10] })
    h.put({ process: 1, value: 'b', dot: ['n1', 7], at: [20, 30] })
    h.put({ process: 1, value: 'c', key: 'other', dot: ['n1', 7], at: [40, 50] })
    h.get({ process: 5, values: ['b'], versions: [['n1', 7]], context: { n1: 7 }, phase: 'final', at: [60, 61] })
    h.get({ process: 5, key: 'other', values: ['c'], versions: [['n1', 7]], context: { n1: 7 }, phase: 'final', at: [60, 61] })
    const a = await analyseBuilt(h.end())
    const check = a.verdict.checks.find((c) => c.name === 'no-duplicate-dots')
    assert.equal(check?.status, 'violated')
    // The same dot on another key is another write: one violation, not two.
    assert.equal(check?.violations, 1)
    assert.equal(check?.checked, 3)
    assert.equal(a.verdict.exitCode, 1)
  })
  test('a dot issued three times is two violations, each example naming the first write; examples in history order', async ({ assert }) => {
    const h = new HistoryBuilder({ versioning: 'lww' })
    h.put({ process: 0, value: 'a', dot: ['n1', 4], at: [0, 10] })
    h.put({ process: 1, key: 'other', value: 'x', dot: ['n2', 9], at: [5, 15] })
    h.put({ process: 2, key: 'other', value: 'y', dot: ['n2', 9], at: [16, 20] })
    h.put({ process: 1, value: 'b', dot: ['n1', 5], at: [21, 25] })
    h.put({ process: 3, value: 'c', dot: ['n1', 4], at: [26, 30] })
    h.put({ process: 4, value: 'd', dot: ['n1', 4], at: [31, 35] })
    h.get({ process: 5, values: ['d'], versions: [['n1', 5]], context: { n1: 5 }, phase: 'final', at: [60, 61] })
    const a = await analyseBuilt(h.end())
    const check = a.verdict.checks.find((c) => c.name === 'no-duplicate-dots')
    assert.equal(check?.violations, 3)
    assert.equal(check?.checked, 6)
    assert.deepEqual(
      check?.examples.map((e) => e.summary.replace(/^writes #(\d+) and #(\d+) to (\S+) both got dot (\S+)$/, '$1-$2 $3 $4')),
      ['2-3 other n2:9', '1-5 k n1:4', '1-6 k n1:4'],
    )
  })
  test('dots of two incarnations of a node are two dots; one incarnation reissuing a counter is a violation', async ({ assert }) => {
    // A wiped node comes back as a new incarnation: its counters restart, under another actor.
    // More actors than nodes (n1, n2, n3, then n3 twice more): a dot is named by its actor, not by a node's index.
    const wiped = new HistoryBuilder()
    for (const [process, actor] of ['n1.0000000a', 'n2.0000000b', 'n3.0000000c'].entries()) {
      wiped.put({ process, key: 'other', value: actor, dot: [actor, 1], at: [0, 5] })
    }
    wiped.put({ process: 0, value: 'a', dot: ['n3.23037638', 3], at: [0, 10] })
    wiped.put({ process: 1, value: 'b', dot: ['n3.671a131d', 3], at: [20, 30] })
    wiped.get({
      process: 5,
      values: ['a', 'b'],
      versions: [
        ['n3.23037638', 3],
        ['n3.671a131d', 3],
      ],
      context: { 'n3.23037638': 3, 'n3.671a131d': 3 },
      phase: 'final',
      at: [60, 61],
    })
    const a = await analyseBuilt(wiped.end())
    assert.equal(a.verdict.checks.find((c) => c.name === 'no-duplicate-dots')?.status, 'ok')

    const reissued = new HistoryBuilder()
    reissued.put({ process: 0, value: 'a', dot: ['n3.23037638', 3], at: [0, 10] })
    reissued.put({ process: 1, value: 'b', dot: ['n3.23037638', 3], at: [20, 30] })
    reissued.get({ process: 5, values: ['b'], versions: [['n3.23037638', 3]], context: { 'n3.23037638': 3 }, phase: 'final', at: [60, 61] })
    const b = await analyseBuilt(reissued.end())
    const check = b.verdict.checks.find((c) => c.name === 'no-duplicate-dots')
    assert.equal(check?.status, 'violated')
    assert.match(check!.examples[0].summary, /both got dot n3\.23037638:3$/)
  })
})
