/**
 * Types for csv-writer: the package's "types" point at its TypeScript sources, which do
 * not compile under this project's strict ESM settings, so tsconfig maps the module here.
 * Only what the project uses, as csv-writer 1.6 defines it.
 */
declare module 'csv-writer' {
  export type ObjectHeaderItem = { id: string; title: string }
  export type ObjectStringifierHeader = ObjectHeaderItem[] | string[]

  export type CsvWriter<T> = {
    writeRecords(records: T[]): Promise<void>
  }

  export type ArrayCsvWriterParams = {
    path: string
    header?: string[]
    fieldDelimiter?: string
    recordDelimiter?: string
    alwaysQuote?: boolean
    encoding?: string
    append?: boolean
  }

  export type ObjectCsvWriterParams = {
    path: string
    header: ObjectStringifierHeader
    fieldDelimiter?: string
    recordDelimiter?: string
    headerIdDelimiter?: string
    alwaysQuote?: boolean
    encoding?: string
    append?: boolean
  }

  export type ArrayCsvStringifier = { getHeaderString(): string | null; stringifyRecords(records: unknown[][]): string }
  export type ObjectCsvStringifier = { getHeaderString(): string | null; stringifyRecords(records: Record<string, unknown>[]): string }

  export function createArrayCsvWriter(params: ArrayCsvWriterParams): CsvWriter<unknown[]>
  export function createObjectCsvWriter(params: ObjectCsvWriterParams): CsvWriter<Record<string, unknown>>
  export function createArrayCsvStringifier(params: Omit<ArrayCsvWriterParams, 'path' | 'encoding' | 'append'>): ArrayCsvStringifier
  export function createObjectCsvStringifier(params: Omit<ObjectCsvWriterParams, 'path' | 'encoding' | 'append'>): ObjectCsvStringifier
}
