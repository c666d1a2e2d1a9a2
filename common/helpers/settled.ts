/** What went wrong in a batch of settled promises, said in one line for a history record. */

/** `{ error }` naming each item whose promise rejected and why, or nothing when all went well. */
export function settledFailures(names: readonly string[], results: readonly PromiseSettledResult<unknown>[]): { error?: string } {
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected' ? [`${names[i]}: ${(r.reason as Error)?.message ?? String(r.reason)}`] : [],
  )
  return failed.length > 0 ? { error: failed.join('; ') } : {}
}
