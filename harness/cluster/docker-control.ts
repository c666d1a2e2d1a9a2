/**
 * Node control through the Docker Engine API (the socket mounted into the harness
 * container): kill is a SIGKILL, start, stop and restart the container's own, pause and
 * resume Docker's freeze and thaw of the container's processes.
 */
import { request } from 'node:http'
import type { NodeControl } from '../adapter/index.ts'

export type DockerControlConfig = {
  type: 'docker'
  /** Container name or id of each node. */
  containers: Record<string, string>
  /** Default /var/run/docker.sock. */
  socket?: string
}

/** One Docker Engine API call; resolves on a 2xx answer. */
function dockerCall(socketPath: string, method: string, path: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, timeout: timeoutMs }, (res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => {
        const status = res.statusCode ?? 0
        // 304: already in that state (e.g. starting a running container).
        if ((status >= 200 && status < 300) || status === 304) resolve()
        else reject(new Error(`docker ${method} ${path} answered ${status}: ${body.trim()}`))
      })
    })
    req.on('timeout', () => req.destroy(new Error(`docker ${method} ${path}: no answer within ${timeoutMs} ms`)))
    req.on('error', (error) => reject(new Error(`docker ${method} ${path}: ${error.message}`)))
    req.end()
  })
}

export function dockerControl({ containers, socket = '/var/run/docker.sock' }: DockerControlConfig): NodeControl {
  const container = (node: string): string => {
    const name = containers[node]
    if (!name) throw new Error(`no container configured for ${node}`)
    return encodeURIComponent(name)
  }
  const call = (action: string) => async (node: string) => dockerCall(socket, 'POST', `/containers/${container(node)}/${action}`)
  return {
    can: { kill: true, pause: true },
    start: call('start'),
    stop: call('stop'),
    kill: call('kill?signal=SIGKILL'),
    restart: call('restart'),
    pause: call('pause'),
    resume: call('unpause'),
  }
}
