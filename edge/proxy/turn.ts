/**
 * A request's turn at the origin, coalesced through the cache lock (lock/cache-lock.ts):
 * the writer goes forward; a waiter is served from the writer's fill, becomes the writer
 * itself when the one before broke off, follows the writer's fill as its body arrives,
 * falls back on its stale copy, or, told that the fill
 * could not be stored or the origin failed (or tired of waiting), goes forward without
 * the lock.
 */
import type {
	CacheLock,
	WaitOptions,
	Writer,
	WriterFailure,
	WriterOutcome,
} from "../lock/cache-lock.ts";
import { type Found, type Lookup, partKey, VARIANT_SEPARATOR } from "./cache-read.ts";
import { FillFeed } from "./fill-feed.ts";

/**
 * The lock the proxy coalesces with. Its writers share their fills as FillFeeds; the lock's
 * own type says nothing of what is shared, so the turn checks (one edge's lock is one
 * proxy's, but a test's lock is anyone's).
 */
export type EdgeLock = CacheLock;

export type Turn =
	/** Another request's fill answers this one (Cache-Status `collapsed`). */
	| { readonly kind: "collapsed"; readonly found: Found }
	/** Another request's fill, still arriving, answers this one as it comes (`collapsed`). */
	| { readonly kind: "follow"; readonly feed: FillFeed }
	/** Go to the origin, as the writer or without the lock. */
	| ForwardTurn
	/** The writer failed and the request's `leaveOn` took the failure: serve the stale copy. */
	| { readonly kind: "fallback"; readonly failure: WriterFailure }
	/** The client went away while it waited: there is no one to answer or fetch for. */
	| { readonly kind: "gone" };

export interface ForwardTurn {
	readonly kind: "forward";
	/** It holds the lock: other requests wait on its answer, so it must be one to store. */
	readonly locked: boolean;
	/**
	 * It waited on the URL, and the fill it waited on stored a Vary record and another
	 * variant: it goes forward for its own variant (Cache-Status fwd=vary-miss, not uri-miss).
	 */
	readonly forVariant?: true;
	/**
	 * Tells how the forward went: to the requests waiting on it when it holds the lock (its
	 * release), else to the lock's memory of uncacheable keys (CacheLock.note).
	 */
	done(outcome: WriterOutcome): void;
	/** The fill's body moved on: a locked turn does not expire while it does. */
	progress(): void;
	/** A locked turn's fill may be followed now by the requests waiting on it. */
	share(feed: FillFeed): void;
}

export interface TurnOptions extends WaitOptions {
	/** Reads the cache again, once a writer has filled it. */
	readonly lookup: () => Promise<Lookup>;
}

const GONE: Turn = Object.freeze({ kind: "gone" });

/**
 * Takes a turn on `key`: the storage key the request's answer would be stored at, as far
 * as the cache knows (the primary key until a Vary record says which variant).
 */
export function takeTurn(lock: EdgeLock, key: string, options: TurnOptions): Promise<Turn> {
	return turnOn(lock, key, options, true);
}

/**
 * Takes a turn on one range of a key remembered uncacheable (`rangeTurnKey`): the requests
 * asking for that same range queue on the writer, whose 206 is stored as the key's part and
 * answers them. A waiter the part does not answer goes forward alone (never to a variant's
 * lock: the queue is about one range, not about the key's complete response).
 */
export function takeRangeTurn(lock: EdgeLock, key: string, options: TurnOptions): Promise<Turn> {
	return turnOn(lock, key, options, false);
}

/**
 * The lock key for the requests asking `range` of what would be stored at `storageKey`:
 * under the storage key's part (so a purge of the URL forgets its marks with the rest),
 * never equal to a storage key (those hold no second separator after the part's).
 */
export function rangeTurnKey(storageKey: string, range: string): string {
	return `${partKey(storageKey)}${VARIANT_SEPARATOR}${range.trim()}`;
}

async function turnOn(
	lock: EdgeLock,
	key: string,
	options: TurnOptions,
	mayMoveToVariant: boolean,
): Promise<Turn> {
	const acquired = lock.acquire(key, options);
	if (acquired.role === "writer") return forwardTurn(lock, key, acquired);
	if (acquired.role === "bypass") return forwardTurn(lock, key, undefined);
	const outcome = await acquired.outcome;
	if (typeof outcome === "object") {
		if (outcome.role === "writer") return forwardTurn(lock, key, outcome);
		if (!(outcome.feed instanceof FillFeed)) return forwardTurn(lock, key, undefined);
		lock.noteCollapsed();
		return { kind: "follow", feed: outcome.feed };
	}
	switch (outcome) {
		case "cancelled":
			return GONE;
		case "failed":
		case "error":
		case "unreachable":
			return { kind: "fallback", failure: outcome };
		case "filled": {
			const found = await options.lookup();
			if (found.kind === "found" && found.decision.action === "serve") {
				lock.noteCollapsed();
				return { kind: "collapsed", found };
			}
			// The writer stored another variant of a response that varies: this request's
			// variant gets a turn of its own, shared with those that select the same one.
			// Once: a Vary record that changed meanwhile sends it forward rather than around.
			if (
				mayMoveToVariant &&
				found.kind === "miss" &&
				found.fwd === "vary-miss" &&
				found.storageKey !== key
			) {
				const moved = await turnOn(lock, found.storageKey, options, false);
				return moved.kind === "forward" ? { ...moved, forVariant: true } : moved;
			}
			// Stored, but not an answer this request may take as it is (a response that
			// must be revalidated each time, say): it goes forward alone.
			return forwardTurn(lock, key, undefined);
		}
		default:
			// "uncacheable", "not-stored", "released" or "wait-timeout": the writer's answer is
			// no use here.
			return forwardTurn(lock, key, undefined);
	}
}

/** A turn to go forward on `key`: as its `writer`, or (undefined) without the lock. */
export function forwardTurn(lock: EdgeLock, key: string, writer: Writer | undefined): ForwardTurn {
	return {
		kind: "forward",
		locked: writer !== undefined,
		done: (outcome) => (writer !== undefined ? writer.release(outcome) : lock.note(key, outcome)),
		progress: () => writer?.progress(),
		share: (feed) => writer?.share(feed),
	};
}
