/**
 * HTTP/JSON key-value stores described by a JSON file (`--store http:FILE`): reading and
 * validating a description, and the adapter it makes.
 */
export { httpAdapter } from './adapter.ts'
export { DescriptionError, readDescription } from './description.ts'
export type { HttpStoreDescription, RequestTemplate } from './description.ts'
