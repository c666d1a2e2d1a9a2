/**
 * Task module for the task pool's tests of bundles (task-bundle.ts): says where it thinks
 * it is (`import.meta.url`, rewritten per source file), whether this thread can load
 * TypeScript itself (it should not: no tsx in the pool's workers), and throws when asked.
 */
import type { TaskOutput } from '../task-pool.ts'

export type BundledTaskData = { fail?: string }
export type BundledTaskResult = { url: string; besideMe: string; loadsTypeScript: boolean; execArgv: string[] }

/** A TypeScript module beside this one, named at run time so the bundle does not include it. */
const BESIDE = './exiting-task.ts'

export default async function bundledTask({ fail }: BundledTaskData): Promise<TaskOutput<BundledTaskResult>> {
  if (fail) throw new Error(fail)
  const besideMe = new URL(BESIDE, import.meta.url).href
  let loadsTypeScript = true
  try {
    await import(besideMe)
  } catch {
    loadsTypeScript = false
  }
  return { result: { url: import.meta.url, besideMe, loadsTypeScript, execArgv: process.execArgv } }
}
