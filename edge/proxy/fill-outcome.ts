/**
 * What a forward's answer tells the requests coalesced on it (lock/cache-lock.ts). Four
 * cases, by what the next request can expect:
 * - a body that broke or came up short may not happen again, and one complete answer
 *   serves everyone: one waiter tries next, the others wait on it ("failed");
 * - an error status the origin answered (a 5xx not stored) will most likely come again
 *   for the next request: waiters go forward at once, nothing is remembered ("error").
 *   Queueing them for one call at a time made a hot URL on a failing origin wait seconds;
 * - a response that will most likely not be storable next time either: the origin marked it
 *   so in its fields, it sets a cookie or has a status without explicit freshness, it names
 *   more purge tags than an object is kept under, or its body is over the tier's size gate. Waiters go forward at once, and the key skips the
 *   queue a while ("uncacheable"); otherwise every burst on a dynamic page, or on a large
 *   file, would wait behind one request only to be sent on;
 * - a response this cache did not keep for reasons of the moment or of this request (no
 *   room, an answer to this request's credentials or its no-store): waiters go forward at
 *   once, and the key is not remembered ("not-stored").
 */
import type { WriterOutcome } from "../lock/cache-lock.ts";
import type { CommitResult } from "../store/storage.ts";

/** The reasons not to store (storable.ts, cache-write.ts, the tier) that will hold again. */
const MARKED_UNCACHEABLE: ReadonlySet<string> = new Set([
	"no-store",
	"private",
	"vary-star",
	"must-understand",
	"set-cookie",
	"no-freshness",
	"status",
	"too-large",
	"too-many-tags",
]);

/** A response that was not stored, for `reason` (cache-write.ts's notStored). */
export function outcomeOfSkip(status: number, reason: string): WriterOutcome {
	// A 5xx is an error whatever it says about caching: remembering it would keep the key
	// out of the cache after the origin recovers.
	if (status >= 500) return "error";
	return MARKED_UNCACHEABLE.has(reason) ? "uncacheable" : "not-stored";
}

/** A response that was being stored, once its fill is done. */
export function outcomeOfCommit(result: CommitResult): WriterOutcome {
	if (result.stored) return "filled";
	// The tier's own limits; a short or broken body is the origin's failure.
	if (result.reason === "too-large") return "uncacheable";
	return result.reason === "no-room" ? "not-stored" : "failed";
}
