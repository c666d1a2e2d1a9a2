/** The README's listing of the example adapter module is the module as committed (the module itself runs in http-store.spec.ts). */
import { readFile } from 'node:fs/promises'
import { test } from '@japa/runner'

test.group('examples', () => {
  test('the README shows examples/kvs-adapter.ts whole, as it is', async ({ assert }) => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8')
    const module = await readFile(new URL('./examples/kvs-adapter.ts', import.meta.url), 'utf8')
    const listing = /### Your own adapter module[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    assert.isDefined(listing, 'the README has a ts listing under "Your own adapter module"')
    assert.equal(listing, module)
  })
})
