/**
 * The store's consistency modes (`--consistency`): the engine a node runs for its mode,
 * the merge its replica uses, and the routes a mode adds. Each mode lives in its own
 * folder: `causal/`, `sequential/`, `linearizable/`; `eventual` is the coordinator.
 */
import { Hono } from 'hono'
import type { ConsistencyMode } from '../../common/contracts/history.ts'
import type { NodeConfig } from '../config.ts'
import { requireToken } from '../http/request.ts'
import type { VersionedObject } from '../versioning.ts'
import { causalEngine } from './causal/causal-engine.ts'
import { eventualEngine, type ConsistencyEngine } from './engine.ts'
import { linearizableEngine } from './linearizable/linearizable-engine.ts'
import type { EngineParts } from './parts.ts'
import { mergeRegisters } from './register.ts'
import { sequentialEngine } from './sequential/sequential-engine.ts'

export type { ConsistencyEngine, KvEngine } from './engine.ts'
export type { EngineParts } from './parts.ts'

/** The engine of the node's mode. */
export function createConsistencyEngine(parts: EngineParts): ConsistencyEngine {
  switch (parts.config.consistency) {
    case 'eventual':
      return eventualEngine(parts.coordinator)
    case 'causal':
      return causalEngine(parts)
    case 'sequential':
      return sequentialEngine(parts)
    case 'linearizable':
      return linearizableEngine(parts)
  }
}

/** How a replica combines states in this mode: by tag in the single-valued modes; undefined: the versioning mode's merge. */
export function replicaMerge(
  mode: ConsistencyMode,
): ((current: VersionedObject, incoming: VersionedObject) => VersionedObject) | undefined {
  return mode === 'sequential' || mode === 'linearizable' ? mergeRegisters : undefined
}

/** `/internal/consistency/*` (the mode's node-to-node calls, behind the cluster token). */
export function consistencyInternalRoutes(engine: ConsistencyEngine, config: NodeConfig): Hono {
  const internal = new Hono()
  internal.use(async (c, next) => {
    requireToken(c, config.token)
    return next()
  })
  if (engine.internal) internal.route('/', engine.internal)
  return internal
}

/** `GET /admin/consistency`: the mode and what its engine shows of its state. */
export function consistencyAdminRoutes(engine: ConsistencyEngine, config: NodeConfig): Hono {
  const admin = new Hono()
  admin.get('/', (c) => c.json({ node: config.id, mode: engine.mode, ...engine.status() }))
  return admin
}
