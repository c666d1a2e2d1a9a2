/**
 * Reads a latency distribution as a user types it on the command line (no eval):
 *
 *   const(c)  uniform(a,b)  exp(λ)  pareto(xm,α)  lognormal(μ,σ)  empirical(FILE)
 *   d1*w1 + d2*w2 + ...     (a mixture: every part weighted, weights summing to 1)
 *
 * Numbers are decimal (`1.5`, `.5`, `2e-3`); spaces are allowed between tokens. An error
 * names the problem and the column (from 1) where it was found.
 */
import {
  constant,
  type Distribution,
  DistributionRangeError,
  empirical,
  exponential,
  lognormal,
  type MixturePart,
  mixture,
  pareto,
  uniform,
} from './distribution.ts'

/** What was wrong and where: `column` counts from 1, `input` is the text that was read. */
export class DistributionSyntaxError extends Error {
  readonly column: number
  readonly input: string

  constructor(problem: string, column: number, input: string) {
    super(`${problem} at column ${column}`)
    this.column = column
    this.input = input
  }
}

export type ParseOptions = {
  /** Loads the samples of `empirical(FILE)`, ms; without it, `empirical(...)` is refused. */
  readSamples?: (path: string) => readonly number[]
}

type Family = { params: string[]; build: (args: number[]) => Distribution }

const FAMILIES: Record<string, Family> = {
  const: { params: ['c'], build: ([c]) => constant(c) },
  uniform: { params: ['a', 'b'], build: ([a, b]) => uniform(a, b) },
  exp: { params: ['λ'], build: ([rate]) => exponential(rate) },
  pareto: { params: ['xm', 'α'], build: ([xm, alpha]) => pareto(xm, alpha) },
  lognormal: { params: ['μ', 'σ'], build: ([mu, sigma]) => lognormal(mu, sigma) },
}
const NAMES = [...Object.keys(FAMILIES), 'empirical'].join(', ')
const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y

const numbers = (count: number) => (count === 1 ? 'one number' : `${count} numbers`)

export function parseDistribution(text: string, options: ParseOptions = {}): Distribution {
  return new Parser(text, options).parse()
}

type Term = { distribution: Distribution; weight: number | undefined; column: number }

class Parser {
  readonly #text: string
  readonly #options: ParseOptions
  #pos = 0

  constructor(text: string, options: ParseOptions) {
    this.#text = text
    this.#options = options
  }

  parse(): Distribution {
    this.#skipSpaces()
    if (this.#atEnd()) this.#fail('empty distribution: expected one like exp(0.1) or pareto(1.5,3)*0.95+exp(0.02)*0.05')
    const terms: Term[] = []
    for (;;) {
      terms.push(this.#term())
      this.#skipSpaces()
      if (this.#atEnd()) break
      if (this.#peek() !== '+') this.#fail(`expected "+", "*" or the end, got ${this.#shown()}`)
      this.#pos += 1
    }
    if (terms.length === 1 && terms[0].weight === undefined) return terms[0].distribution
    for (const term of terms) {
      if (term.weight === undefined) this.#fail('every part of a mixture needs a weight (d*w), this one has none', term.column)
    }
    try {
      return mixture(terms.map((t): MixturePart => ({ distribution: t.distribution, weight: t.weight! })))
    } catch (error) {
      throw this.#rangeError(error, terms[0].column)
    }
  }

  #term(): Term {
    this.#skipSpaces()
    const column = this.#pos + 1
    const distribution = this.#distribution()
    this.#skipSpaces()
    if (this.#peek() !== '*') return { distribution, weight: undefined, column }
    this.#pos += 1
    this.#skipSpaces()
    return { distribution, weight: this.#number(`expected a weight after "${this.#text.slice(column - 1, this.#pos).trim()}"`), column }
  }

  #distribution(): Distribution {
    const start = this.#pos
    const name = this.#match(NAME)
    if (name === undefined) {
      const hint = this.#match(NUMBER, false) === undefined ? '' : ' (a weight goes after its distribution: exp(0.1)*0.95)'
      this.#fail(`expected a distribution (${NAMES}), got ${this.#shown()}${hint}`)
    }
    if (name !== 'empirical' && !(name in FAMILIES)) this.#fail(`unknown distribution "${name}": expected one of ${NAMES}`, start + 1)
    this.#skipSpaces()
    if (this.#peek() !== '(') this.#fail(`expected "(" after "${name}", got ${this.#shown()}`)
    this.#pos += 1
    if (name === 'empirical') return this.#empirical(start)
    const family = FAMILIES[name]
    const args: number[] = []
    for (;;) {
      this.#skipSpaces()
      args.push(this.#number(`expected a number after "${this.#text.slice(start, this.#pos).trim()}"`))
      this.#skipSpaces()
      const next = this.#peek()
      const signature = `${name}(${family.params.join(', ')})`
      if (next === ',' && args.length < family.params.length) {
        this.#pos += 1
        continue
      }
      if (next === ')' && args.length === family.params.length) break
      if (next === ',' || next === ')')
        this.#fail(`${signature} takes ${numbers(family.params.length)}, got ${next === ',' ? 'more' : args.length}`)
      this.#fail(`expected "${args.length < family.params.length ? ',' : ')'}" in ${signature}, got ${this.#shown()}`)
    }
    this.#pos += 1
    try {
      return family.build(args)
    } catch (error) {
      throw this.#rangeError(error, start + 1)
    }
  }

  #empirical(start: number): Distribution {
    const close = this.#text.indexOf(')', this.#pos)
    if (close < 0) this.#fail('expected ")" to close "empirical(": a file name cannot hold ")"', start + 1)
    const path = this.#text.slice(this.#pos, close).trim()
    if (path === '') this.#fail('expected a file of samples in "empirical()"')
    if (!this.#options.readSamples) this.#fail('empirical(FILE) is not available here: give the samples as an array', start + 1)
    let samples: readonly number[]
    try {
      samples = this.#options.readSamples(path)
    } catch (error) {
      this.#fail((error as Error).message, start + 1)
    }
    this.#pos = close + 1
    try {
      return empirical(samples, path)
    } catch (error) {
      throw this.#rangeError(error, start + 1)
    }
  }

  #number(problem: string): number {
    const raw = this.#match(NUMBER)
    if (raw === undefined) this.#fail(`${problem}, got ${this.#shown()}`)
    return Number(raw)
  }

  #match(pattern: RegExp, consume = true): string | undefined {
    pattern.lastIndex = this.#pos
    const found = pattern.exec(this.#text)
    if (!found) return undefined
    if (consume) this.#pos += found[0].length
    return found[0]
  }

  #skipSpaces() {
    while (this.#pos < this.#text.length && /\s/.test(this.#text[this.#pos])) this.#pos += 1
  }

  #atEnd() {
    return this.#pos >= this.#text.length
  }

  #peek(): string | undefined {
    return this.#text[this.#pos]
  }

  /** What stands at the cursor, for a message: `"x"` or `the end`. */
  #shown(): string {
    if (this.#atEnd()) return 'the end'
    return `"${/^[^\s(),*+]+/.exec(this.#text.slice(this.#pos))?.[0] ?? this.#text[this.#pos]}"`
  }

  #fail(problem: string, column = this.#pos + 1): never {
    throw new DistributionSyntaxError(problem, column, this.#text)
  }

  #rangeError(error: unknown, column: number): Error {
    if (error instanceof DistributionRangeError) return new DistributionSyntaxError(error.message, column, this.#text)
    return error as Error
  }
}
