/**
 * `quorumlab check HISTORY --model linearizable|sequential|causal`: runs one model
 * checker on any history file (ours, or converted from another tool) and prints the
 * verdict, an example per invalid key and the failing window as a text timeline. Exits 0
 * valid, 1 invalid, 2 unknown (a key's search ran out of budget, or nothing to check).
 */
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { HISTORY_FILE } from '../../common/contracts/history.ts'
import {
  checkCausalModels,
  DEFAULT_BUDGET,
  type HistoryFile,
  MODEL_CHECKERS,
  MODEL_NAMES,
  type ModelCheckResult,
  type ModelName,
  modelHistoryFromRecords,
  readHistoryFile,
  readOpRecords,
  timelineText,
} from '../../reports/models/index.ts'
import { choiceOption, defineCommand, integerOption, UsageError } from './command.ts'

type Flags = {
  model: ModelName
  key?: string
  budget: number
  budgetSteps: number
  workers?: number
  windows: number
  json: boolean
}

/** A history file, or a run folder holding one. */
function historyPath(path: string): string {
  if (!existsSync(path)) throw new UsageError(`${path}: no such file or folder`)
  const file = statSync(path).isDirectory() ? join(path, HISTORY_FILE) : path
  if (!existsSync(file)) throw new UsageError(`${path}: a folder without ${HISTORY_FILE}`)
  return file
}

const plural = (n: number, what: string): string => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`

function describeHistory(file: string, read: HistoryFile): string {
  const h = read.histories
  const d = h.dropped
  const left = [
    d.fail > 0 ? `${plural(d.fail, 'fail op')} (never happened)` : '',
    d.infoReads > 0 ? plural(d.infoReads, 'info read') : '',
    d.unobservedInfoWrites > 0 ? `${plural(d.unobservedInfoWrites, 'info write')} nobody saw` : '',
    d.malformed > 0 ? plural(d.malformed, 'malformed op') : '',
  ].filter(Boolean)
  return `${file}: ${plural(read.ops, 'op')} on ${plural(h.keys.length, 'key')}${left.length > 0 ? `; left out: ${left.join(', ')}` : ''}`
}

function render(result: ModelCheckResult, windows: number): string {
  const verdict = result.valid === true ? 'VALID' : result.valid === false ? 'INVALID' : 'UNKNOWN'
  const { valid, invalid, unknown } = result.keys
  const judged =
    result.checkedWhat === 'keys'
      ? `${plural(result.checked, 'key')}: ${valid} valid, ${invalid} invalid, ${unknown} unknown`
      : `${plural(result.checked, result.checkedWhat.replace(/s$/, ''))} judged, ${plural(result.violations, 'violation')}`
  const lines = [`${result.name}: ${verdict} (${judged})`]
  if (result.valid === 'unknown') lines.push(`  ${result.reason}`)
  for (const example of result.examples) lines.push(`  key ${JSON.stringify(example.key)}: ${example.summary}`)
  if (result.violations > result.examples.length)
    lines.push(
      `  ... and ${result.violations - result.examples.length} more ${result.checkedWhat === 'keys' ? 'invalid keys' : 'violations'}`,
    )
  for (const window of result.windows.slice(0, windows)) {
    const prefix = result.name === 'linearizable' ? 'the longest linearizable prefix' : 'the longest prefix placed'
    const marks = window.linearized ? `; * = in ${prefix}` : ''
    lines.push('', `failing window, key ${JSON.stringify(window.key)} (${plural(window.ops.length, 'op')}${marks}):`)
    lines.push(...timelineText(window))
  }
  return `${lines.join('\n')}\n`
}

/** Causal consistency over the whole history (causality crosses keys, so no `--key`); the exit code. */
async function checkCausal(file: string, flags: Flags): Promise<number> {
  if (flags.key !== undefined)
    throw new UsageError('--key does not apply to --model causal: causality crosses keys, the whole history is judged')
  const read = await readOpRecords(file)
  const [result] = checkCausalModels(modelHistoryFromRecords(read.records), { maxWindows: Math.max(flags.windows, 1) })
  if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  else {
    process.stdout.write(`${file}: ${plural(read.ops, 'op')}\n`)
    if (read.malformed > 0) {
      const [first] = read.malformedExamples
      process.stdout.write(`${plural(read.malformed, 'malformed line')} skipped (first: line ${first.line}: ${first.reason})\n`)
    }
    process.stdout.write(render(result, flags.windows))
  }
  return result.valid === true ? 0 : result.valid === false ? 1 : 2
}

export function checkCommand() {
  return defineCommand(
    'check',
    "check one consistency model on a history file (ours, or another tool's converted): verdict and failing window",
  )
    .argument('<history>', 'a history file of JSON lines (history.jsonl), or a run folder holding one')
    .requiredOption('--model <name>', `the model: ${MODEL_NAMES.join(', ')}`, choiceOption(MODEL_NAMES))
    .option('--key <key>', 'check only this key')
    .option('--budget <ms>', 'per key: how long a search may run before the key is unknown, ms', integerOption(1), DEFAULT_BUDGET.ms)
    .option('--budget-steps <count>', 'per key: how many search steps before the key is unknown', integerOption(1), DEFAULT_BUDGET.steps)
    .option(
      '--workers <count>',
      'threads checking keys (0: this thread only; default: the cores, at most 4, from 500,000 ops)',
      integerOption(0, 64),
    )
    .option('--windows <count>', 'failing windows to print', integerOption(0, 100), 1)
    .option('--json', 'print the result as JSON (windows included)', false)
    .action(async (history: string, flags: Flags) => {
      if (flags.model === 'causal') {
        process.exitCode = await checkCausal(historyPath(history), flags)
        return
      }
      const checker = MODEL_CHECKERS[flags.model]
      if (!checker) {
        const available = Object.keys(MODEL_CHECKERS).join(', ')
        throw new UsageError(`--model ${flags.model} is not available in this build (available: ${available})`)
      }
      const file = historyPath(history)
      const read = await readHistoryFile(file, { key: flags.key, shared: flags.workers !== 0 })
      if (flags.key !== undefined && read.histories.keys.length === 0)
        throw new UsageError(`${file} has no ops of key ${JSON.stringify(flags.key)}`)
      const result = await checker(read.histories, {
        budget: { ms: flags.budget, steps: flags.budgetSteps },
        workers: flags.workers,
        maxWindows: Math.max(flags.windows, 1),
      })
      if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
      else {
        process.stdout.write(`${describeHistory(file, read)}\n`)
        if (read.malformed > 0) {
          const [first] = read.malformedExamples
          process.stdout.write(`${plural(read.malformed, 'malformed line')} skipped (first: line ${first.line}: ${first.reason})\n`)
        }
        process.stdout.write(render(result, flags.windows))
      }
      process.exitCode = result.valid === true ? 0 : result.valid === false ? 1 : 2
    })
}
