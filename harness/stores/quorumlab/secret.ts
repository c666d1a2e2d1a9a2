/**
 * The secret of a cluster the harness starts. The store has no default secret: a node
 * refuses to start without one unless insecure, so every local cluster gets its own.
 */
import { randomBytes } from 'node:crypto'
import { INSECURE_TOKEN, type StoreSettings } from '../../../store/config.ts'

/** Random bytes of a new secret (32 characters of base64url). */
const SECRET_BYTES = 24

/** A new random cluster secret. */
export const newClusterSecret = (): string => randomBytes(SECRET_BYTES).toString('base64url')

/**
 * The settings with a secret: the one given, the public one of an insecure cluster, or a
 * new random one for this cluster.
 */
export function withClusterSecret(settings: StoreSettings): StoreSettings {
  if (settings.token !== '') return settings
  return { ...settings, token: settings.insecure ? INSECURE_TOKEN : newClusterSecret() }
}
