/**
 * The coalescing lock's timeouts, derived from the origin timeout so that the lock never
 * gives up before the origin call it waits on would:
 * - a writer's lock expires `WRITER_MARGIN_MS` after its origin call's head deadline: by
 *   then a live writer has its answer or has failed (and released), so expiry only catches
 *   a writer stuck in a long body or lost;
 * - a waiter waits as long again as an origin call may take past that expiry, so that a
 *   waiter that came with the writer is still waiting when the lock expires and is handed
 *   over: one new writer goes forward, not every waiter at once. (Equal 10 s defaults made
 *   the 50 waiters of a 13 s origin call all time out at 10 s and call it 50 times.)
 */

/** How much longer than its origin call's head deadline a writer may hold the lock. */
export const WRITER_MARGIN_MS = 5_000;

export interface LockTimeouts {
	readonly writerTimeoutMs: number;
	readonly readerWaitMs: number;
}

export function lockTimeoutsFor(originTimeoutMs: number): LockTimeouts {
	const writerTimeoutMs = originTimeoutMs + WRITER_MARGIN_MS;
	return { writerTimeoutMs, readerWaitMs: writerTimeoutMs + originTimeoutMs };
}
