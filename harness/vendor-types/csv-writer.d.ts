/**
 * Types for csv-writer. The package's "types" point at its TypeScript sources, which do
 * not compile under this project's strict ESM settings, and its CommonJS build hides its
 * named exports from Node. So the project imports the build itself,
 * `import csvWriter from 'csv-writer/dist/index.js'`, typed here as csv-writer 1.6
 * defines it.
 */
declare module 'csv-writer/dist/index.js' {
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

  const csvWriter: {
    createArrayCsvWriter(params: ArrayCsvWriterParams): CsvWriter<unknown[]>
    createObjectCsvWriter(params: ObjectCsvWriterParams): CsvWriter<Record<string, unknown>>
    createArrayCsvStringifier(params: Omit<ArrayCsvWriterParams, 'path' | 'encoding' | 'append'>): ArrayCsvStringifier
    createObjectCsvStringifier(params: Omit<ObjectCsvWriterParams, 'path' | 'encoding' | 'append'>): ObjectCsvStringifier
  }
  export default csvWriter
}
