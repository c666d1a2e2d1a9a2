/**
 * Where a process's CPU time went, from V8 CPU profiles (`.cpuprofile`): every sample's
 * time charged to the function it was in (self time), summed by category (Node's HTTP
 * server, Hono, LMDB and msgpack, JSON, socket writes, GC...), and the functions that
 * took the most.
 */

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
/** What `Profiler.stop` returns: the call tree, and which node each sample hit with the µs since the previous one. */
export type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Categories in order: the first whose test holds takes the sample. */
const CATEGORIES: [string, (name: string, url: string) => boolean][] = [
  ['idle (waiting for I/O or timers)', (name) => name === '(idle)'],
  ['garbage collection', (name) => name === '(garbage collector)'],
  ['V8 and libuv native code (no JS frame)', (name) => name === '(program)'],
  [
    'socket writes (syscall, loopback TCP included)',
    (name, url) => url === '' && /^(writev|writeBuffer|writeUtf8String|writeLatin1String)$/.test(name),
  ],
  ['LMDB and msgpack', (_, url) => /node_modules\/(lmdb|msgpackr)/.test(url)],
  ['Hono node-server adapter (Request/Response)', (_, url) => url.includes('@hono/node-server')],
  ['Hono routing and context', (_, url) => url.includes('node_modules/hono/')],
  ['Node HTTP server (parse, headers, write)', (_, url) => /^node:(_http_|internal\/http)/.test(url)],
  ['sockets and streams (JS side)', (_, url) => /^node:(net|stream|internal\/stream_base_commons|internal\/streams)/.test(url)],
  ['JSON parse and stringify', (name, url) => url === '' && /^(parse|stringify)$/.test(name)],
  ['hashing: ring md5, Merkle md5, context HMAC', (_, url) => url === 'node:internal/crypto/hash'],
  ["the project's HTTP client (peer calls)", (_, url) => /common\/helpers\/http-/.test(url)],
  ['store logic (coordinator, replica, versioning, batcher...)', (_, url) => /\/store\//.test(url)],
  [
    'ticks, microtasks, timers, events',
    (name, url) => /^node:(internal\/process|internal\/timers|timers|events)/.test(url) || /Microtask/.test(name),
  ],
]

/** The category of a JavaScript function's frame (its name and script URL), or 'other'. */
export function categoryOfFrame(functionName: string, url: string): string {
  return CATEGORIES.find(([, test]) => test(functionName, url))?.[0] ?? 'other'
}

/**
 * A frame's category; native code called from JavaScript (no URL: LMDB's native commit,
 * Buffer.byteLength...) counts where its caller does, unless a category names it.
 */
function categoryOf(id: number, nodes: Map<number, ProfileNode>, parents: Map<number, number>): string {
  const { functionName, url } = nodes.get(id)!.callFrame
  const named = categoryOfFrame(functionName, url)
  if (named !== 'other') return named
  const parent = parents.get(id)
  return url === '' && parent !== undefined && nodes.get(parent)!.callFrame.url !== '' ? categoryOf(parent, nodes, parents) : 'other'
}

export type CpuBreakdown = {
  /** All sampled time, ms. */
  totalMs: number
  /** Sampled time not idle, ms. */
  busyMs: number
  /** ms by category, largest first (idle included). */
  categories: [string, number][]
  /** Self time, ms, of the functions that took most, largest first (`name file:line`). */
  functions: [string, number][]
}

/** The profiles' time by category and by function; `top` functions are kept. */
export function cpuBreakdown(profiles: CpuProfile[], top = 25): CpuBreakdown {
  const categories = new Map<string, number>()
  const functions = new Map<string, number>()
  let totalMs = 0
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
    const parents = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id] as const)))
    profile.samples.forEach((id, i) => {
      const frame = nodes.get(id)?.callFrame
      // The first sample's time runs from before the profiler started.
      if (!frame || i === 0) return
      const ms = profile.timeDeltas[i] / 1000
      totalMs += ms
      const category = categoryOf(id, nodes, parents)
      categories.set(category, (categories.get(category) ?? 0) + ms)
      const where = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules\/)?/, '')}:${frame.lineNumber + 1}`
      functions.set(where, (functions.get(where) ?? 0) + ms)
    })
  }
  const largestFirst = (map: Map<string, number>): [string, number][] => [...map].sort((a, b) => b[1] - a[1])
  const idle = categories.get(CATEGORIES[0][0]) ?? 0
  return {
    totalMs,
    busyMs: totalMs - idle,
    categories: largestFirst(categories),
    functions: largestFirst(functions)
      .filter(([name]) => !name.startsWith('(idle)'))
      .slice(0, top),
  }
}
