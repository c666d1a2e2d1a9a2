#!/usr/bin/env node
// The `quorumlab` command: loads the TypeScript sources through tsx, then the CLI.
import { register } from 'tsx/esm/api'

register()
await import('../harness/cli/main.ts')
