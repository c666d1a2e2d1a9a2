/**
 * The layer rule (README, "Code map"): imports flow one way.
 *
 *   common/  <-  store/  <-  harness/ (clients, clusters, nemeses, generator, proxy)  <-  harness/run, harness/cli, harness/bench, bin/
 *   common/  <-  workloads/  <-  harness/
 *   common/  <-  reports/    <-  harness/run, harness/cli, harness/bench
 *
 * Inside the harness, stores are plugged in at one seam: `harness/adapter/` (the contract)
 * <- `harness/stores/<store>/` (implementations, built from the store-neutral parts in
 * `harness/cluster/` and the networks in `harness/network/`) <- the CLI, which picks the
 * store. The run sees only the contract.
 *
 * Tests and benchmarks (`*.spec.ts`, `*.bench.ts`, `test/`, `testing/`, `testing.ts`) sit
 * at the top with the CLI: they may start clusters and run reports. No file may be part
 * of a cycle.
 */
const TESTS = '(\\.spec\\.ts$|\\.bench\\.ts$|/test/|/testing/|/testing\\.ts$|^bin/test\\.ts$)'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A module must not import, directly or through others, a module that imports it.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'common-is-neutral',
      severity: 'error',
      comment: 'common/ holds the shared contracts and generic helpers: it imports nothing of ours.',
      from: { path: '^common/' },
      to: { path: '^(store|harness|workloads|reports|bin)/' },
    },
    {
      name: 'store-stands-alone',
      severity: 'error',
      comment: 'The store imports only common/: it must run without the harness, the workloads or the reports.',
      from: { path: '^store/', pathNot: TESTS },
      to: { path: '^(harness|workloads|reports)/' },
    },
    {
      name: 'workloads-import-only-common',
      severity: 'error',
      comment: 'Workload definitions are store-agnostic: a store-specific detail (its ring) is passed in.',
      from: { path: '^workloads/', pathNot: TESTS },
      to: { path: '^(store|harness|reports)/' },
    },
    {
      name: 'reports-import-only-common',
      severity: 'error',
      comment: 'Reports read a history through the contracts in common/ and trust nothing else.',
      from: { path: '^reports/', pathNot: TESTS },
      to: { path: '^(store|harness|workloads)/' },
    },
    {
      name: 'proxy-stands-alone',
      severity: 'error',
      comment: 'The embedded Toxiproxy is a server of its own: it imports only common/.',
      from: { path: '^harness/proxy/', pathNot: TESTS },
      to: { path: '^(store|workloads|reports)/|^harness/(?!proxy/)' },
    },
    {
      name: 'harness-parts-below-the-run',
      severity: 'error',
      comment: 'Clients, clusters, nemeses and generators do not import the run, the CLI, the benchmarks or the reports.',
      from: { path: '^harness/', pathNot: `^harness/(run|cli|bench)/|${TESTS}` },
      to: { path: '^harness/(run|cli|bench)/|^reports/' },
    },
    {
      name: 'adapter-is-a-contract',
      severity: 'error',
      comment: 'harness/adapter/ holds the types a store implements, and nothing that runs: it imports only common/.',
      from: { path: '^harness/adapter/' },
      to: { path: '^(store|workloads|reports)/|^harness/(?!adapter/)' },
    },
    {
      name: 'cluster-parts-are-store-neutral',
      severity: 'error',
      comment: "harness/cluster/ holds what any store's cluster is built from (layout, links, node control): no store's own code.",
      from: { path: '^harness/cluster/', pathNot: TESTS },
      to: { path: '^store/|^harness/stores/' },
    },
    {
      name: 'network-is-store-neutral',
      comment:
        "harness/network/ holds the networks nodes talk over (Toxiproxy links, network namespaces): it implements the adapter's Network contract and imports only common/ and harness/adapter/.",
      severity: 'error',
      from: { path: '^harness/network/', pathNot: TESTS },
      to: { path: '^(store|workloads|reports)/|^harness/(?!network/|adapter/)' },
    },
    {
      name: 'only-the-cli-picks-a-store',
      severity: 'error',
      comment:
        'The run, sessions, nemeses and generators see a store only through harness/adapter/; the CLI picks the store (and the benchmarks, which may import everything, measure them).',
      from: { path: '^harness/(?!stores/|cli/|bench/)', pathNot: TESTS },
      to: { path: '^harness/stores/' },
    },
    {
      name: 'run-below-the-cli',
      severity: 'error',
      comment: 'A run is started by the CLI, never the other way round.',
      from: { path: '^harness/run/', pathNot: TESTS },
      to: { path: '^harness/(cli|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|runs|\\.tmp)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
}
