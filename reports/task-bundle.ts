/**
 * A task module and everything it imports as one CommonJS script, for the task pool's
 * workers (task-pool.ts) to run without tsx. A worker that loads tsx starts a loader-hooks
 * thread of its own and keeps every transpiled source: about 25 MiB and 250 ms per worker
 * before it runs anything. esbuild (the compiler tsx itself runs) bundles a task module in
 * tens of milliseconds, once per module for the whole run.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build, type Plugin } from 'esbuild'

/** A bundle being made; `code` is set once it is (so a caller can use it without waiting a turn). */
export type TaskBundle = { made: Promise<string>; code: string | undefined }

const bundles = new Map<string, TaskBundle>()
/** Task modules named with {@link taskModule}. */
const declared = new Set<string>()

/**
 * Names a task module, to be bundled as soon as a task pool starts rather than at its first
 * task: a bundle is made by esbuild's own process, but the result reaches this thread only
 * at an event turn, and the analysis' main thread runs its checks for seconds without one.
 */
export function taskModule(url: URL): URL {
  declared.add(url.href)
  return url
}

/** Starts making the bundle of every task module named so far (each is made once); resolves when all are made. */
export async function bundleDeclaredTasks(): Promise<void> {
  await Promise.all([...declared].map((href) => taskBundle(new URL(href)).made))
}

/** The bundle of a task module (TypeScript or JavaScript, by file URL); made once per module. */
export function taskBundle(module: URL): TaskBundle {
  let bundle = bundles.get(module.href)
  if (!bundle) {
    const made = bundleModule(module)
    const entry: TaskBundle = { made, code: undefined }
    made.then((code) => (entry.code = code)).catch(() => bundles.delete(module.href))
    bundle = entry
    bundles.set(module.href, bundle)
  }
  return bundle
}

async function bundleModule(module: URL): Promise<string> {
  const result = await build({
    // Not `pathname`: that keeps a path's spaces and other characters %-encoded.
    entryPoints: [fileURLToPath(module)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    plugins: [ownUrls],
  })
  return result.outputFiles[0].text
}

/**
 * CommonJS has no `import.meta`: each source's `import.meta.url` becomes its own file's URL,
 * so a module still finds the files beside it (task modules name other task modules so).
 */
const ownUrls: Plugin = {
  name: 'own-urls',
  setup(esbuild) {
    esbuild.onLoad({ filter: /\.[cm]?[jt]s$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8')
      const url = JSON.stringify(pathToFileURL(path).href)
      return { contents: source.replaceAll('import.meta.url', url), loader: path.endsWith('ts') ? 'ts' : 'js' }
    })
  },
}
