/**
 * The last resort for a netns network the run could not tear down (an exit without
 * the run's own teardown: `process.exit` after a second Ctrl-C, an uncaught error): at
 * process exit, every network still registered is removed synchronously.
 */

const live = new Map<string, () => void>()

const removeEveryLive = (): void => {
  for (const remove of live.values()) remove()
  live.clear()
}

/** Runs `removeSync` at process exit unless {@link release} is called with the same id first. */
export function removeAtExit(id: string, removeSync: () => void): void {
  if (live.size === 0) process.once('exit', removeEveryLive)
  live.set(id, removeSync)
}

/** The network `id` was removed the ordinary way: nothing to do for it at exit. */
export function release(id: string): void {
  live.delete(id)
  if (live.size === 0) process.off('exit', removeEveryLive)
}
