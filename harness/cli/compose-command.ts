/** `quorumlab compose`: writes the docker-compose file for N nodes and the given store settings. */
import { writeFile } from 'node:fs/promises'
import { composeYaml } from '../stores/quorumlab/index.ts'
import { defineCommand, integerOption } from './command.ts'
import { addStoreOptions, checkedStoreSettings, sayConsistencyFixes } from './store-options.ts'

type Flags = Record<string, unknown> & { nodes: number; out?: string }

export function composeCommand() {
  const command = defineCommand('compose', 'write a docker-compose file: the real Toxiproxy, N store nodes and the harness')
    .option('--nodes <count>', 'store nodes (n1..nN), at most 99', integerOption(1, 99), 3)
    .option('--out <file>', 'write here instead of standard output (e.g. docker-compose.yml)')
  return addStoreOptions(command).action(async (flags: Flags) => {
    const yaml = composeYaml(flags.nodes, checkedStoreSettings(flags, flags.nodes))
    sayConsistencyFixes(flags)
    if (flags.out) await writeFile(flags.out, yaml)
    else process.stdout.write(yaml)
  })
}
