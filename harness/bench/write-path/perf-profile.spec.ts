/**
 * The perf breakdown on a recorded shape of `perf script` output: samples split by thread
 * (a pool thread's idle waits counted with its work), the main threads' samples charged to
 * their innermost JavaScript frame.
 */
import { test } from '@japa/runner'
import { parsePerfScript, perfBreakdown } from './perf-profile.ts'

/** Six samples of process 100: three on its main thread, two on a libuv pool thread, one on V8's compiler. */
const SCRIPT = `100 
\tffffffff81b6bdee copy_iovec_from_user ([kernel.kallsyms])
\t          fde9d __GI___writev (/usr/lib/x86_64-linux-gnu/libc.so.6)
\t    7f1c3314690d JS:*clearBuffer node:internal/streams/writable:744:21 (/tmp/perf-100.map)
\t    7f1c330e1331 JS:^end node:_http_outgoing:1034:45 (/tmp/perf-100.map)

100 
\t         1508083 Builtins_LoadIC (/usr/bin/node)
\t    7f1c33186db6 JS:*mergeIn file:///work/main/store/replica.ts:1:1255 (/tmp/perf-100.map)

100 
\t          108cae epoll_pwait (/usr/lib/x86_64-linux-gnu/libc.so.6)
\t         14c05fb uv__io_poll (/usr/bin/node)

107 
\t           52acf mdb_txn_commit (/work/main/node_modules/@lmdb/lmdb-linux-x64/node.abi115.glibc.node)
\t           53435 do_write (/work/main/node_modules/@lmdb/lmdb-linux-x64/node.abi115.glibc.node)
\t          9dd4a6 node::ThreadPoolWork::ScheduleWork()::{lambda(uv_work_s*)#1}::_FUN (/usr/bin/node)
\t          9dd4a7 worker (/usr/bin/node)

107 
\tffffffff813a4413 finish_task_switch.isra.0 ([kernel.kallsyms])
\t          86193 __futex_abstimed_wait_common (/usr/lib/x86_64-linux-gnu/libc.so.6)
\t          9dd4a7 worker (/usr/bin/node)

111 
\t          c494db v8::internal::compiler::GraphReducer::ReduceTop (/usr/bin/node)
\t          c4a574 v8::internal::OptimizingCompileDispatcher::CompileTask::RunInternal (/usr/bin/node)
`

test.group('perf breakdown', () => {
  test('splits samples by thread and charges the main threads to their innermost JavaScript frame', ({ assert }) => {
    const samples = parsePerfScript(SCRIPT)
    assert.lengthOf(samples, 6)
    assert.deepEqual(samples[1].frames, [
      'Builtins_LoadIC (/usr/bin/node)',
      'JS:*mergeIn file:///work/main/store/replica.ts:1:1255 (/tmp/perf-100.map)',
    ])
    const breakdown = perfBreakdown(samples, new Set([100]))
    assert.equal(breakdown.samples, 6)
    assert.deepEqual(breakdown.threads, [
      ['main threads (JavaScript, HTTP, LMDB reads and writes)', 3],
      ["libuv's pool (LMDB commits: write, fdatasync)", 2],
      ["V8's optimizing compiler", 1],
    ])
    assert.deepEqual(
      breakdown.main.sort((a, b) => a[0].localeCompare(b[0])),
      [
        ['native code with no JavaScript frame (V8, libuv, epoll)', 1],
        ['sockets and streams (JS side)', 1],
        ['store logic (coordinator, replica, versioning, batcher...)', 1],
      ],
    )
    assert.equal(breakdown.mainKernel, 1)
  })

  test('a thread no sample names is counted as another thread, and lines that are not samples are skipped', ({ assert }) => {
    const breakdown = perfBreakdown(
      parsePerfScript('\n\nnot-a-tid\n\tabc foo (/x)\n\n200 \n\t1 foo (/usr/lib/libc.so.6)\n'),
      new Set([100]),
    )
    assert.deepEqual(breakdown.threads, [['other threads', 1]])
    assert.deepEqual(breakdown.main, [])
  })
})
