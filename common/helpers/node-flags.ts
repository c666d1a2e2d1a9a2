/** Node's command-line flags, as the processes this project starts are given them. */

const SEMI_SPACE_SIZE = /^--max[-_]semi[-_]space[-_]size(=|$)/

/** Whether `flags` (Node's, or NODE_OPTIONS split on spaces) set V8's young-generation size themselves. */
export const setsSemiSpaceSize = (flags: readonly string[]): boolean => flags.some((flag) => SEMI_SPACE_SIZE.test(flag))
