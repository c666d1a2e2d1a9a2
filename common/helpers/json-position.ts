/**
 * Where a JSON text goes wrong, as `line:column`: JSON.parse in Node 20 names the position
 * for some mistakes and only quotes a snippet for others, so a file a user wrote by hand
 * is scanned again (only once it failed to parse) to point at the first bad character.
 */

/** The offset of the first character at which `text` stops being JSON; -1 when it is JSON. */
export function jsonErrorOffset(text: string): number {
  let i = 0
  const fail = (): never => {
    throw new JsonStop(i)
  }
  const spaces = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++
  }
  const word = (w: string): void => {
    for (const ch of w) {
      if (text[i] !== ch) fail()
      i++
    }
  }
  const string = (): void => {
    i++
    for (;;) {
      const c = text[i]
      if (c === undefined || c < ' ') fail()
      i++
      if (c === '"') return
      if (c !== '\\') continue
      if (text[i] === 'u') {
        i++
        for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail()
      } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i])) i++
      else fail()
    }
  }
  const number = (): void => {
    const found = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (!found) fail()
    i += found![0].length
  }
  const items = (close: string, item: () => void): void => {
    i++
    spaces()
    if (text[i] === close) {
      i++
      return
    }
    for (;;) {
      item()
      spaces()
      if (text[i] === close) {
        i++
        return
      }
      if (text[i] !== ',') fail()
      i++
    }
  }
  const member = (): void => {
    spaces()
    if (text[i] !== '"') fail()
    string()
    spaces()
    if (text[i] !== ':') fail()
    i++
    value()
  }
  const value = (): void => {
    spaces()
    const c = text[i]
    if (c === '{') items('}', member)
    else if (c === '[') items(']', value)
    else if (c === '"') string()
    else if (c === 't') word('true')
    else if (c === 'f') word('false')
    else if (c === 'n') word('null')
    else if (c === '-' || (c >= '0' && c <= '9')) number()
    else fail()
  }
  try {
    value()
    spaces()
    if (i < text.length) fail()
    return -1
  } catch (error) {
    if (error instanceof JsonStop) return error.offset
    throw error
  }
}

class JsonStop {
  readonly offset: number
  constructor(offset: number) {
    this.offset = offset
  }
}

/**
 * `line:column: what` for a text JSON.parse refused with `message` (lines and columns from
 * 1, as editors count), the message without its position or quoted snippet.
 */
export function jsonErrorAt(text: string, message: string): string {
  const what = message.replace(/(, (\.\.\.)?".*" is not valid JSON| in JSON at position \d+.*)$/s, '')
  const offset = jsonErrorOffset(text)
  if (offset < 0) return what
  const before = text.slice(0, offset).split('\n')
  return `${before.length}:${before.at(-1)!.length + 1}: ${what}`
}
