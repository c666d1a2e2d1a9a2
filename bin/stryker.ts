/**
 * `npm run stryker [-- group...]`: StrykerJS on the pure modules, one group after another
 * (every group of stryker.groups.json when none is named), then one table of the groups'
 * mutation scores and wall times. Exit 0 when every group run scored at least 80%, 1 when
 * one did not, 254 for an unknown group name.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import groups from '../stryker.groups.json' with { type: 'json' }

type Mutant = { status: string }
type Report = { files: Record<string, { mutants: Mutant[] }> }

const names = Object.keys(groups)
const asked = process.argv.slice(2)
const unknown = asked.filter((name) => !names.includes(name))
if (unknown.length > 0) {
  process.stderr.write(`unknown Stryker group ${unknown.join(', ')}: the groups are ${names.join(', ')}\n`)
  process.exit(254)
}
// The package exports only its API, so its CLI is found beside its package.json.
const stryker = fileURLToPath(new URL('bin/stryker.js', import.meta.resolve('@stryker-mutator/core/package.json')))

/** One row of the table: counts from the group's JSON report (score as Stryker computes it: timeouts count as detected, ignored mutants are left out). */
function row(name: string, seconds: number): string {
  const report = JSON.parse(readFileSync(`.tmp/stryker/${name}/mutation.json`, 'utf8')) as Report
  const mutants = Object.values(report.files).flatMap((file) => file.mutants)
  const count = (status: string): number => mutants.filter((m) => m.status === status).length
  const [killed, survived, timeout, noCoverage] = [count('Killed'), count('Survived'), count('Timeout'), count('NoCoverage')]
  const ignored = count('Ignored')
  const judged = killed + survived + timeout + noCoverage
  const score = judged === 0 ? 0 : (100 * (killed + timeout)) / judged
  const files = Object.keys(report.files).map((f) => f.replace(/^.*\//, ''))
  return `| ${name} | ${files.join(', ')} | ${judged} | ${killed} | ${survived + noCoverage} | ${timeout} | ${ignored} | ${score.toFixed(1)}% | ${Math.round(seconds)} s |`
}

const rows: string[] = []
let failed = false
for (const name of asked.length > 0 ? asked : names) {
  // A run that ends before its report must not leave the last run's report to be read.
  rmSync(`.tmp/stryker/${name}/mutation.json`, { force: true })
  const started = performance.now()
  const run = spawnSync(process.execPath, [stryker, 'run'], { stdio: 'inherit', env: { ...process.env, STRYKER_GROUP: name } })
  const seconds = (performance.now() - started) / 1000
  if (run.status !== 0) failed = true
  try {
    rows.push(row(name, seconds))
  } catch (error) {
    rows.push(`| ${name} | no report (${(error as Error).message}) |`)
  }
}
process.stdout.write(
  `\n| group | files | mutants | killed | survived | timeout | disabled | score | wall time |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n`,
)
process.stdout.write(`${rows.join('\n')}\n`)
process.exit(failed ? 1 : 0)
