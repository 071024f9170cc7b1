/**
 * What a forward's answer tells the requests coalesced on it (lock/cache-lock.ts). Three
 * cases, by what the next request can expect:
 * - a failure (an error status, a body that broke or came up short) may not happen again:
 *   one waiter tries next, the others wait on it ("failed");
 * - a response the origin marked uncacheable in its own fields will be so again: waiters
 *   go forward at once, and the key skips the queue a while ("uncacheable");
 * - a response fine by the origin's word that this cache did not keep (over the size gate,
 *   no room, an answer to this request's credentials): waiters go forward at once, and the
 *   key is not remembered ("not-stored").
 */
import type { WriterOutcome } from "../lock/cache-lock.ts";
import type { CommitResult } from "../store/storage.ts";

/** The reasons not to store (storable.ts, cache-write.ts) the origin gave in its fields. */
const MARKED_UNCACHEABLE: ReadonlySet<string> = new Set([
	"no-store",
	"private",
	"vary-star",
	"must-understand",
]);

/** A response that was not stored, for `reason` (cache-write.ts's notStored). */
export function outcomeOfSkip(status: number, reason: string): WriterOutcome {
	// A 5xx is an error whatever it says about caching: remembering it would keep the key
	// out of the cache after the origin recovers.
	if (status >= 500) return "failed";
	return MARKED_UNCACHEABLE.has(reason) ? "uncacheable" : "not-stored";
}

/** A response that was being stored, once its fill is done. */
export function outcomeOfCommit(result: CommitResult): WriterOutcome {
	if (result.stored) return "filled";
	// The tier's own limits; a short or broken body is the origin's failure.
	return result.reason === "too-large" || result.reason === "no-room" ? "not-stored" : "failed";
}
