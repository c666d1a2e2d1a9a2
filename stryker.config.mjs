/**
 * StrykerJS on the pure modules, one group at a time. stryker.groups.json names per group
 * the files it mutates and the unit tests that judge them (Japa's arguments per test
 * process). `STRYKER_GROUP=<group>` picks one (unset: every group in one slow run);
 * `npm run stryker` runs every group and `npm run stryker -- ring` one (bin/stryker.ts).
 * Our tests are Japa, so Stryker's command runner runs the group's tests once per mutant:
 * keeping to the tests that cover the group's files makes a mutant of ring.ts cost about a
 * second, not the whole suite's minutes. Everything Stryker writes goes under .tmp/stryker/.
 */
import groups from './stryker.groups.json' with { type: 'json' }

const name = process.env.STRYKER_GROUP ?? 'all'
if (name !== 'all' && !Object.hasOwn(groups, name)) {
  throw new Error(`STRYKER_GROUP must name a group of stryker.groups.json (${Object.keys(groups).join(', ')}), got ${JSON.stringify(name)}`)
}
// Without STRYKER_GROUP (a bare `npx stryker run`): every group at once, each mutant judged by every group's specs (slow).
const chosen = name === 'all' ? Object.values(groups) : [groups[name]]
const group = { mutate: chosen.flatMap((g) => g.mutate), runs: chosen.flatMap((g) => g.runs) }
const out = `.tmp/stryker/${name}`

export default {
  mutate: group.mutate,
  testRunner: 'command',
  // One test process per run (Japa's arguments), in the group's order, fast tests first,
  // stopping at the first failure (&&, --bail): most mutants die in the first run, so only
  // the few that survive it pay for the slow property tests.
  commandRunner: { command: group.runs.map((args) => `node --import tsx bin/test.ts --bail ${args}`).join(' && ') },
  // An endless loop is given a few seconds above the run's own time, not the default five.
  timeoutMS: 3000,
  // The machine is shared; one mutant at a time.
  concurrency: 1,
  // No incremental mode: the command runner reports no per-test results, so Stryker could
  // not tell that a new spec kills a mutant and would keep it marked as surviving.
  incremental: false,
  tempDirName: '.tmp/stryker/sandbox',
  // What runs of the store and the harness leave behind: never copied into the sandbox.
  ignorePatterns: ['.tmp', 'runs', 'data', 'bench.csv'],
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `${out}/mutation.json` },
  htmlReporter: { fileName: `${out}/mutation.html` },
  // Below 80% the group's run exits 1.
  thresholds: { high: 90, low: 80, break: 80 },
}
