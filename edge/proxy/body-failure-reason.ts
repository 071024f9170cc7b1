/**
 * What a response body is errored with when the origin fails partway through it. Its head
 * is gone already, so the only honest end is a broken connection (never a clean end, which
 * would pass a truncated body off as complete), and runtimes differ in how they get there:
 *
 * - Bun resets the connection whatever the reason, and prints the reason unless it is
 *   undefined: an Error with its stack trace, as if an expected origin failure were a bug.
 *   Undefined then: the edge has logged the failure already, on one line.
 * - @hono/node-server (the Node adapter) resets only for a truthy reason; given undefined it
 *   ends the response cleanly with "Error: unknown error" appended to the body. Deno and
 *   Workers get the same Error, as they got the fetch's own error before.
 *
 * This is the one place the core asks which runtime it runs on.
 */
const ON_BUN = "Bun" in globalThis;

export function bodyFailureReason(): unknown {
	return ON_BUN ? undefined : new Error("the origin's response body failed");
}
