/**
 * Brute-force linearizability and sequential consistency of register histories, written
 * straight from the definitions for property tests to compare the searches with: per key,
 * try every total order of the ops that happened (every ok op, and any subset of the info
 * writes) that keeps the model's order (real time, or each process's program order), and
 * run the register on it. Exponential: for histories of a few ops only.
 */
import type { RegisterOp } from '../models/register-history.ts'

type Model = 'linearizable' | 'sequential'

const ABSENT = 'absent'
const text = (value: unknown): string => (value === null || value === undefined ? ABSENT : JSON.stringify(value))

/** The register after `op` from `state`, or undefined when it cannot take effect. */
function apply(state: string, op: RegisterOp): string | undefined {
  switch (op.f) {
    case 'get': {
      const values = op.value as unknown[]
      const read = values.length === 0 ? ABSENT : text(values[0])
      return read === state ? state : undefined
    }
    case 'put':
      return text(op.value)
    case 'delete':
      return ABSENT
    case 'cas': {
      const [expected, next] = op.value as [unknown, unknown]
      return text(expected) === state ? text(next) : undefined
    }
  }
}

/**
 * `x` must come before `y` in every order the model allows: an ok op precedes its
 * process's later ops (program order), and for linearizability every op invoked after it
 * completed (real time; equal times are concurrent). An info op precedes nothing.
 */
function precedes(model: Model, x: RegisterOp, y: RegisterOp): boolean {
  if (x.type !== 'ok') return false
  const programOrder = x.process === y.process && (x.invoke < y.invoke || (x.invoke === y.invoke && x.index < y.index))
  return programOrder || (model === 'linearizable' && x.complete < y.invoke)
}

function keyValid(model: Model, ops: RegisterOp[]): boolean {
  if (ops.some((op) => op.f === 'get' && (op.value as unknown[]).length > 1)) return false
  const placed = new Array<boolean>(ops.length).fill(false)
  const required = ops.filter((op) => op.type === 'ok').length
  const search = (state: string, done: number): boolean => {
    if (done === required) return true
    for (let i = 0; i < ops.length; i++) {
      if (placed[i] || ops.some((x, j) => !placed[j] && j !== i && precedes(model, x, ops[i]))) continue
      const next = apply(state, ops[i])
      if (next === undefined) continue
      placed[i] = true
      const found = search(next, done + (ops[i].type === 'ok' ? 1 : 0))
      placed[i] = false
      if (found) return true
    }
    return false
  }
  return search(ABSENT, 0)
}

/** Per key, whether its history is valid under `model`: ok ops happened, info ops may have, fail ops did not, info reads say nothing. */
export function bruteForceValid(model: Model, history: RegisterOp[]): Map<string, boolean> {
  const byKey = new Map<string, RegisterOp[]>()
  for (const op of history) {
    if (op.type === 'fail' || (op.type === 'info' && op.f === 'get')) continue
    const ops = byKey.get(op.key) ?? []
    ops.push(op)
    byKey.set(op.key, ops)
  }
  return new Map([...byKey].map(([key, ops]) => [key, keyValid(model, ops)]))
}
