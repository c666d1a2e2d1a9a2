/**
 * The CLI plumbing every subcommand shares: the duration convention of every time flag,
 * and how runProgram turns each way a command can end into the one exit-code table.
 */
import { test } from '@japa/runner'
import { InvalidArgumentError } from 'commander'
import { EXIT, exitCodesHelp } from '../../common/contracts/exit-codes.ts'
import { defineCommand, durationOption, runProgram, UsageError } from './command.ts'

/** Runs a one-command program whose action does `act`, with stderr captured; restores process.exitCode. */
async function exitOf(act: () => void | Promise<void>, args: string[] = []): Promise<{ code: number; stderr: string }> {
  const command = defineCommand('probe', 'a probe')
    .option('--n <n>', 'a number', durationOption('ms', 1, 10))
    .action(act)
  const saved = process.exitCode
  const write = process.stderr.write
  let stderr = ''
  process.stderr.write = ((chunk: string) => {
    stderr += chunk
    return true
  }) as typeof process.stderr.write
  try {
    return { code: await runProgram(command.configureOutput({ writeErr: (s) => (stderr += s) }), ['node', 'probe', ...args]), stderr }
  } finally {
    process.stderr.write = write
    process.exitCode = saved
  }
}

test.group('cli: durations', () => {
  test('a plain number counts in the flag unit; a suffix converts', ({ assert }) => {
    const ms = durationOption('ms', 100, 600_000)
    assert.equal(ms('5000'), 5000)
    assert.equal(ms('5s'), 5000)
    assert.equal(ms('1.5s'), 1500)
    assert.equal(ms('250ms'), 250)
    assert.equal(ms('2m'), 120_000)
    const s = durationOption('s', 1, 3600)
    assert.equal(s('10'), 10)
    assert.equal(s('10s'), 10)
    assert.equal(s('2m'), 120)
    assert.equal(s('1h'), 3600)
  })

  test('refuses what is ambiguous or out of range, saying how to write it', ({ assert }) => {
    const ms = durationOption('ms', 100, 600_000)
    assert.throws(() => ms('5'), /expected 100\.\.600000 ms, got "5" \(a plain number counts ms; add a unit, e\.g\. 5s/)
    assert.throws(() => ms('11m'), /expected 100\.\.600000 ms, got "11m"$/)
    assert.throws(() => ms('ten'), /expected a duration/)
    assert.throws(() => ms('-5s'), InvalidArgumentError)
    assert.throws(() => durationOption('s', 1, 60)('1500ms'), /whole number of s/)
  })
})

test.group('cli: exit codes', () => {
  test('the table names every code', ({ assert }) => {
    const help = exitCodesHelp()
    for (const code of Object.values(EXIT)) assert.match(help, new RegExp(`^ +${code}  \\S`, 'm'))
  })

  test('a command ending well is 0; what it sets is kept', async ({ assert }) => {
    assert.equal((await exitOf(() => undefined)).code, EXIT.valid)
    assert.equal(
      (
        await exitOf(() => {
          process.exitCode = EXIT.invalid
        })
      ).code,
      EXIT.invalid,
    )
  })

  test('a bad flag, a UsageError and a refused port are 254; anything else 255', async ({ assert }) => {
    assert.equal((await exitOf(() => undefined, ['--bogus'])).code, EXIT.usage)
    assert.equal((await exitOf(() => undefined, ['--n', '50'])).code, EXIT.usage)
    const usage = await exitOf(() => {
      throw new UsageError('flags clash')
    })
    assert.deepEqual(usage, { code: EXIT.usage, stderr: 'error: flags clash\n' })
    const port = await exitOf(() => {
      throw Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', address: '127.0.0.1', port: 8474 })
    })
    assert.equal(port.code, EXIT.usage)
    assert.match(port.stderr, /127\.0\.0\.1:8474 is already in use/)
    const bug = await exitOf(() => {
      throw new TypeError('x is undefined')
    })
    assert.deepEqual(bug, { code: EXIT.internal, stderr: 'error: x is undefined\n' })
  })

  test('--help exits 0 and prints the table', async ({ assert }) => {
    const command = defineCommand('probe', 'a probe').action(() => undefined)
    let out = ''
    command.configureOutput({ writeOut: (s) => (out += s) })
    const saved = process.exitCode
    assert.equal(await runProgram(command, ['node', 'probe', '--help']), EXIT.valid)
    process.exitCode = saved
    assert.include(out, 'Exit codes:')
    assert.include(out, '254  bad arguments')
  })
})
