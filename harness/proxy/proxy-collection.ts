/**
 * Every proxy of one server by name (Toxiproxy's ProxyCollection): adding, replacing on
 * /populate, updating, removing, and /reset. Changes run one at a time.
 */
import { PROXY_ALREADY_EXISTS, PROXY_NOT_FOUND } from './api-error.ts'
import { Lock } from './lock.ts'
import { TcpProxy, ProxyAlreadyStarted } from './proxy.ts'
import type { ProxyFields } from './requests.ts'

export class ProxyCollection {
  #proxies = new Map<string, TcpProxy>()
  #lock = new Lock()

  get(name: string): TcpProxy {
    const proxy = this.#proxies.get(name)
    if (!proxy) throw PROXY_NOT_FOUND
    return proxy
  }

  /** Every proxy, sorted by name (Go prints a map's keys sorted). */
  all(): TcpProxy[] {
    return [...this.#proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  add(fields: ProxyFields): Promise<TcpProxy> {
    return this.#lock.run(async () => {
      if (this.#proxies.has(fields.name)) throw PROXY_ALREADY_EXISTS
      const proxy = new TcpProxy(fields)
      if (fields.enabled) await proxy.start()
      this.#proxies.set(proxy.name, proxy)
      return proxy
    })
  }

  /**
   * Creates or replaces each proxy in turn: one with the same name, listen address and
   * upstream is kept as it is (toxics too). Stops at the first failure, reporting the
   * proxies done so far.
   */
  populate(list: ProxyFields[]): Promise<{ proxies: TcpProxy[]; error?: unknown }> {
    return this.#lock.run(async () => {
      const proxies: TcpProxy[] = []
      try {
        for (const fields of list) {
          const existing = this.#proxies.get(fields.name)
          if (existing && !(await existing.differs(fields))) {
            proxies.push(existing)
            continue
          }
          existing?.stop()
          const proxy = new TcpProxy(fields)
          if (fields.enabled) await proxy.start()
          this.#proxies.set(proxy.name, proxy)
          proxies.push(proxy)
        }
      } catch (error) {
        return { proxies, error }
      }
      return { proxies }
    })
  }

  /** Applies new fields, decoded from the request once the proxy is known to exist. */
  update(name: string, decode: (current: ProxyFields) => ProxyFields): Promise<TcpProxy> {
    return this.#lock.run(async () => {
      const proxy = this.get(name)
      await proxy.update(decode(proxy))
      return proxy
    })
  }

  remove(name: string): Promise<void> {
    return this.#lock.run(async () => {
      this.get(name).stop()
      this.#proxies.delete(name)
    })
  }

  /** Starts every stopped proxy and removes every toxic; stops at a proxy that cannot start. */
  reset(): Promise<void> {
    return this.#lock.run(async () => {
      for (const proxy of this.#proxies.values()) {
        try {
          await proxy.start()
        } catch (error) {
          if (!(error instanceof ProxyAlreadyStarted)) throw error
        }
        await proxy.toxics.reset()
      }
    })
  }

  /** Stops every proxy: listeners and connections close. */
  close(): Promise<void> {
    return this.#lock.run(async () => {
      for (const proxy of this.#proxies.values()) proxy.stop()
    })
  }
}
