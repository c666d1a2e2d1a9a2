/**
 * How the checkers' sentences show values: JSON cut to about 24 characters. A history
 * built from the analysis' op table knows values only by their hashes; its sentences carry
 * a token per hash, which the analysis fills in with the values it reads back from the file
 * (only the few values its examples name, instead of parsing the whole history again).
 */

/** A value's JSON, cut to about 24 characters (a string keeps its closing quote). */
export function valueText(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined'
  if (text.length <= 24) return text
  return text.startsWith('"') ? `${text.slice(0, 20)}..."` : `${text.slice(0, 21)}...`
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the delimiter is U+0001 because JSON text never holds it raw (JSON.stringify escapes it), so a token cannot be mistaken for a value
const TOKEN = /\u0001(\d+)\u0001/g

/** The stand-in for a value known by its hash, in a sentence. */
export const hashToken = (hash: number): string => `\u0001${hash}\u0001`

/** The hashes whose tokens `text` holds. */
export const hashesIn = (text: string): number[] => Array.from(text.matchAll(TOKEN), (m) => Number(m[1]))

/** `text` with each token replaced by its value's text (`(value not found)` for a hash `texts` lacks). */
export const fillHashTokens = (text: string, texts: ReadonlyMap<number, string>): string =>
  text.replace(TOKEN, (_, hash: string) => texts.get(Number(hash)) ?? '(value not found)')
