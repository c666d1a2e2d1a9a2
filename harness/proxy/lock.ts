/** Runs async operations one at a time, in call order (Toxiproxy holds a mutex for the same). */
export class Lock {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(operation)
    this.#tail = result.catch(() => undefined)
    return result
  }
}
