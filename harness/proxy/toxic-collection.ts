/**
 * The toxics of one proxy (Toxiproxy's ToxicCollection): an ordered chain per direction,
 * the links running those chains, and the API's changes, applied to every running link
 * of the toxic's direction before the call returns.
 */
import { TOXIC_ALREADY_EXISTS, TOXIC_NOT_FOUND } from './api-error.ts'
import { Link, type LinkOptions } from './link.ts'
import { Lock } from './lock.ts'
import type { ToxicDraft } from './requests.ts'
import { DIRECTIONS, type Direction, type Toxic } from './toxic.ts'

export class ToxicCollection {
  #chains: Record<Direction, Toxic[]> = { upstream: [], downstream: [] }
  #links = new Set<Link>()
  #lock = new Lock()

  /** Every toxic: the upstream chain, then the downstream chain, each in order. */
  list(): Toxic[] {
    return [...this.#chains.upstream, ...this.#chains.downstream]
  }

  get(name: string): Toxic {
    const toxic = this.list().find((t) => t.name === name)
    if (!toxic) throw TOXIC_NOT_FOUND
    return toxic
  }

  /** A link for a new connection, running the direction's chain as it is now. */
  startLink(options: Omit<LinkOptions, 'toxics'>): Link {
    const link = new Link({ ...options, toxics: this.#chains[options.direction] })
    this.#links.add(link)
    return link
  }

  removeLink(link: Link): void {
    this.#links.delete(link)
  }

  add(draft: ToxicDraft): Promise<Toxic> {
    return this.#lock.run(async () => {
      if (this.list().some((t) => t.name === draft.name)) throw TOXIC_ALREADY_EXISTS
      const { decodeAttributes, ...fields } = draft
      const toxic = { ...fields, attributes: decodeAttributes() } as Toxic
      this.#chains[toxic.direction].push(toxic)
      await Promise.all(this.#linksOf(toxic.direction).map((link) => link.addToxic(toxic)))
      return toxic
    })
  }

  /**
   * Applies a change made by `change` (which may throw after changing attributes, as
   * Toxiproxy's decoder does), then restarts the toxic on every link.
   */
  update(name: string, change: (toxic: Toxic) => void): Promise<Toxic> {
    return this.#lock.run(async () => {
      const toxic = this.get(name)
      change(toxic)
      const index = this.#chains[toxic.direction].indexOf(toxic)
      await Promise.all(this.#linksOf(toxic.direction).map((link) => link.updateToxic(index)))
      return toxic
    })
  }

  remove(name: string): Promise<void> {
    return this.#lock.run(() => this.#remove(this.get(name)))
  }

  /** Removes every toxic (POST /reset). */
  reset(): Promise<void> {
    return this.#lock.run(async () => {
      for (const direction of DIRECTIONS) {
        while (this.#chains[direction].length > 0) await this.#remove(this.#chains[direction][0])
      }
    })
  }

  async #remove(toxic: Toxic): Promise<void> {
    const chain = this.#chains[toxic.direction]
    const index = chain.indexOf(toxic)
    chain.splice(index, 1)
    await Promise.all(this.#linksOf(toxic.direction).map((link) => link.removeToxic(index)))
  }

  /** The links running now: later ones start with the chain as already changed. */
  #linksOf(direction: Direction): Link[] {
    return [...this.#links].filter((link) => link.direction === direction)
  }
}
