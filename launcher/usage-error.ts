/** A command-line mistake: printed as one line with the usage, exit status 2. */
export class UsageError extends Error {}
