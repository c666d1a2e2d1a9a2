/**
 * The package as npm installs and runs it: every dependency's install script is settled in
 * `allowScripts` (npm 11 warns about the others on every install), benchmark-only packages
 * stay out of a production install (the Docker image), and every quorumlab npm script
 * `exec`s the CLI, so npm forwards Ctrl-C and SIGTERM to the harness itself.
 */
import { readFileSync } from 'node:fs'
import { test } from '@japa/runner'
import { STORE_SEMI_SPACE } from '../stores/quorumlab/node-command.ts'

const ROOT = new URL('../../', import.meta.url)
const manifest = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
  scripts: Record<string, string>
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
  allowScripts?: Record<string, boolean>
}
const lock = JSON.parse(readFileSync(new URL('package-lock.json', ROOT), 'utf8')) as {
  packages: Record<string, { hasInstallScript?: boolean; dev?: boolean }>
}

test.group('package', () => {
  test('every package with an install script is approved or denied in allowScripts', ({ assert }) => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
    assert.isAbove(withScripts.length, 0)
    const settled = Object.keys(manifest.allowScripts ?? {}).map((key) => key.replace(/(?<=.)@.*$/, ''))
    for (const name of withScripts) assert.include(settled, name, `${name} runs an install script`)
  })

  test('benchmark-only packages are dev dependencies, left out of a production install', ({ assert }) => {
    assert.notProperty(manifest.dependencies, 'autocannon')
    assert.property(manifest.devDependencies, 'autocannon')
    assert.isTrue(lock.packages['node_modules/autocannon']?.dev, 'the lock file marks it dev')
  })

  test('every quorumlab npm script execs the CLI, so npm signals reach the harness', ({ assert }) => {
    const cli = Object.entries(manifest.scripts).filter(([, line]) => line.includes('bin/quorumlab.js'))
    assert.includeMembers(
      cli.map(([name]) => name),
      ['workload', 'matrix', 'report', 'serve', 'bench', 'store', 'cluster', 'toxiproxy'],
    )
    for (const [name, line] of cli) assert.match(line, /^exec node (--[a-z-]+=\S+ )*bin\/quorumlab\.js [a-z]+$/, name)
    assert.include(manifest.scripts.store, `node ${STORE_SEMI_SPACE} `, "a node run by hand gets the harness' young generation")
  })
})
