/**
 * `quorumlab mutants` (`npm run mutants`): runs the harness against each planted bug of
 * the store in the scenario meant to expose it, and the correct store in the same
 * scenarios, then prints a table: mutant, scenario, exit code, the promised checks that
 * flagged it, and whether that is what should happen. Exits 0 when every mutant was
 * caught by its check and the correct store raised no alarm, 1 otherwise.
 */
import { EXIT } from '../../common/contracts/exit-codes.ts'
import { MUTANTS, type MutantName } from '../../store/mutants.ts'
import { FAST_MUTANTS, MUTANT_CASES, runCase, SCENARIOS, type CaseOutcome, type ScenarioName } from '../mutants/suite.ts'
import { lazyFsSupport } from '../nemesis/power/index.ts'
import { defineCommand, integerOption, listOption, UsageError } from './command.ts'

type Flags = { only?: string[]; fast: boolean; default: boolean; out: string; seed: number; verbose: boolean }

const EXAMPLES = [
  ['npm run mutants', 'every mutant in its scenario, and the correct store in each scenario (about 10 minutes)'],
  ['npm run mutants -- --fast', 'the CI subset: three mutants and the correct store'],
  ['npm run mutants -- --only skip-fsync,phantom-read --default', 'two mutants, each also in the default run'],
] as const

export function mutantsCommand() {
  return defineCommand('mutants', 'run the harness against planted store bugs and show each is caught', EXAMPLES)
    .option(
      '--only <mutants>',
      `comma list of ${Object.keys(MUTANTS).join(', ')}`,
      listOption((s) => s),
    )
    .option('--fast', 'only the CI subset of mutants', false)
    .option('--default', 'also run each mutant in the default scenario, to show what the default run catches', false)
    .option('--out <dir>', 'folder for the runs', '.tmp/mutants')
    .option('--seed <n>', 'seed of every run', integerOption(0, 2_147_483_647), 1)
    .option('--verbose', "print the runs' own output", false)
    .action(async (flags: Flags) => {
      const mutants = chosenMutants(flags)
      const cases = MUTANT_CASES.filter((c) => mutants.includes(c.mutant)).flatMap((c) =>
        flags.default && c.scenario !== 'default' ? [c, { ...c, scenario: 'default' as const }] : [c],
      )
      const scenarios = [...new Set(cases.map((c) => c.scenario))]
      const power = lazyFsSupport()
      const runnable = (scenario: ScenarioName): boolean => scenario !== 'power-all' || power.ok
      if (!power.ok) console.log(`skipping the power-all scenario: ${power.reason}`)
      const outcomes: CaseOutcome[] = []
      const options = {
        outDir: flags.out,
        seed: flags.seed,
        onLine: flags.verbose ? (line: string) => console.log(`  ${line}`) : undefined,
      }
      for (const scenario of scenarios.filter(runnable)) {
        console.log(`correct store, ${scenario} (${SCENARIOS[scenario].what})`)
        outcomes.push(await runCase(null, scenario, options))
      }
      for (const { mutant, scenario } of cases.filter((c) => runnable(c.scenario))) {
        console.log(`mutant ${mutant}, ${scenario}`)
        outcomes.push(await runCase(mutant, scenario, options))
      }
      console.log(`\n${outcomeTable(outcomes)}`)
      const failed = outcomes.filter((o) => !o.ok && isExpected(o))
      process.exitCode = failed.length === 0 ? EXIT.valid : EXIT.invalid
      console.log(
        failed.length === 0
          ? '\nevery mutant caught by its check; the correct store raised no alarm'
          : `\n${failed.length} case(s) not as they should be: ${failed.map((o) => `${o.mutant ?? 'correct'}/${o.scenario}`).join(', ')}`,
      )
    })
}

function chosenMutants(flags: Flags): MutantName[] {
  if (flags.only && flags.fast) throw new UsageError('--only and --fast pick the mutants two ways: give one')
  if (!flags.only) return flags.fast ? [...FAST_MUTANTS] : (Object.keys(MUTANTS) as MutantName[])
  const unknown = flags.only.filter((name) => !Object.hasOwn(MUTANTS, name))
  if (unknown.length > 0) throw new UsageError(`--only: no mutant ${unknown.join(', ')}; expected ${Object.keys(MUTANTS).join(', ')}`)
  return flags.only as MutantName[]
}

/** A mutant in the default scenario that was not its own is reported, not required: the default run cannot reach every bug. */
const isExpected = (o: CaseOutcome): boolean =>
  o.mutant === null || MUTANT_CASES.some((c) => c.mutant === o.mutant && c.scenario === o.scenario)

function verdictOf(o: CaseOutcome): string {
  if (o.mutant === null) return o.ok ? 'no alarm (correct)' : `FALSE ALARM (exit ${o.exitCode})`
  if (o.ok) return 'caught'
  return isExpected(o) ? 'MISSED' : 'not caught here'
}

function outcomeTable(outcomes: CaseOutcome[]): string {
  const rows = outcomes.map((o) =>
    [
      o.mutant ?? '(correct store)',
      o.scenario,
      String(o.exitCode),
      o.violated.join(', ') || '-',
      o.unknown.join(', ') || '-',
      verdictOf(o),
    ].join(' | '),
  )
  return [
    '| mutant | scenario | exit | violated | unknown | verdict |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n')
}
