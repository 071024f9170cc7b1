/**
 * Request coalescing: of concurrent misses on one key, the first becomes the writer and
 * goes to the origin; the rest wait for it and then read what it stored. Nothing here can
 * leave a key locked for good, and a writer whose fill breaks does not release a stampede:
 * - a writer whose answer broke off (or whose lock expires after `writerTimeoutMs`: it hung
 *   or vanished) hands the lock to its first waiter, which becomes the next writer while
 *   the others keep waiting, now on it. An expired writer that stores after all still ends
 *   the wait for everyone: its fill is as good as its successor's;
 * - a writer whose origin answered with an error, or could not be reached, releases its
 *   waiters to the origin at once: a next writer would most likely get the same, and
 *   queueing them one origin call at a time made each wait out the calls before it;
 * - each waiter gives up after `readerWaitMs` in all, however many writers it waited on,
 *   and goes to the origin itself; a request that waits again on another key (a variant's,
 *   a range's) gives `waitingSince`, so its waits together stay within that bound;
 * - a waiter whose client went away (AbortSignal) leaves the queue at once;
 * - a writer whose body is still arriving is not stuck: each `progress` moves its expiry to
 *   `writerTimeoutMs` after it, so only a writer whose body stalled (or that vanished)
 *   expires. A large object that takes longer than that to arrive is fetched once, not
 *   once more per expiry;
 * - a writer whose answer is known and being stored may `share` it (a Feed, opaque here):
 *   the waiters that accept it leave the queue with it at once, and so do those that
 *   arrive while the turn lasts. They read the body as it arrives instead of waiting for
 *   the whole of it (Varnish's streaming to waiting requests); the rest wait as before;
 * - a response that cannot be stored releases the waiters to the origin; one the origin
 *   marked uncacheable also makes the key skip the queue for `uncacheableTtlMs` (what
 *   those requests learn, stored or not, is noted back: a stored one ends it early).
 *   Marks are kept by a 53-bit hash of the key, not the key: a flood of long distinct
 *   no-store URLs held every URL (50,000 of 8 KB grew the process by 800 MiB). A collision
 *   only lets a request on another key skip the queue, as a marked key's requests do.
 */
import { hash53 } from "./key-hash.ts";
import { lockTimeoutsFor } from "./lock-timeouts.ts";
import type { TimerHandle, Timers } from "./timers.ts";

/**
 * The timeouts a POP runs with, for its default 15 s origin timeout (lock-timeouts.ts): a
 * fill may hold its key 20 s, a waiter waits 35 s in all, and a key that proved uncacheable
 * skips the queue for 30 s.
 */
export const POP_LOCK_TIMEOUTS = {
	...lockTimeoutsFor(15_000),
	uncacheableTtlMs: 30_000,
} as const;

export interface CacheLockOptions {
	readonly timers: Timers;
	readonly writerTimeoutMs: number;
	readonly readerWaitMs: number;
	readonly uncacheableTtlMs: number;
	/**
	 * Bound on remembered uncacheable keys, so a flood of distinct keys cannot grow it
	 * (each costs a few dozen bytes whatever the key's length: marks are by hash).
	 */
	readonly maxUncacheableKeys?: number;
}

/** How a writer's turn ended. */
export type WriterOutcome =
	| "filled" // stored: waiters read it from the cache
	| "uncacheable" // the origin marked the response uncacheable: waiters go forward, key remembered
	| "not-stored" // storable by the origin's word but not kept here (too large...): waiters go forward
	| "failed" // the answer broke off (a body cut short, a store that failed): the next waiter writes
	| "error" // the origin answered with an error (a 5xx not stored): waiters go forward
	| "unreachable"; // no answer at all (refused, reset, head timeout; RFC 9111 §4.2.4): waiters go forward

/** A failure a waiter may take instead of waiting on or going forward (see WaitOptions). */
export type WriterFailure = Extract<WriterOutcome, "failed" | "error" | "unreachable">;

/** Failures after which waiters go forward at once rather than queue for a next writer. */
const RELEASING_FAILURES: ReadonlySet<WriterOutcome> = new Set(["error", "unreachable"]);

export interface Writer<Feed = unknown> {
	readonly role: "writer";
	/**
	 * Ends the turn; only the first call counts. After the lock expired only "filled"
	 * counts (the object is stored, whoever holds the lock now).
	 */
	release(outcome: WriterOutcome): void;
	/** The writer's body moved on: its lock expires `writerTimeoutMs` after the last one. */
	progress(): void;
	/**
	 * The writer's answer is known and its body is being stored: waiters that accept `feed`
	 * (WaitOptions.acceptsFeed) follow it now, and so do arrivals while this turn lasts.
	 */
	share(feed: Feed): void;
}

/** A waiter that follows the writer's fill (Writer.share) instead of waiting for its end. */
export interface Follower<Feed> {
	readonly role: "follower";
	readonly feed: Feed;
}

/**
 * What a waiter learns when its wait ends: the writer's outcome, the writer's shared fill,
 * or its own turn to write.
 */
export type WaitOutcome<Feed = unknown> =
	| Exclude<WriterOutcome, WriterFailure>
	| WriterFailure // only to a waiter whose `leaveOn` took it
	| "released" // the writer's origin answered with an error or was unreachable: go forward now
	| "wait-timeout" // waited readerWaitMs in all: go to the origin yourself
	| "cancelled" // the waiter's own signal aborted
	| Follower<Feed> // the writer shared its fill and this waiter accepted it
	| Writer<Feed>; // the writer before failed or expired: this waiter is the writer now

export interface WaitOptions<Feed = unknown> {
	/** The client's signal: a waiter whose client has gone leaves the queue. */
	readonly signal?: AbortSignal;
	/**
	 * Asked when the writer fails: true leaves with that failure (a waiter holding a stale
	 * copy it may serve now); false stays in line to be the next writer or wait on it, or
	 * (after an "error" or "unreachable") is "released" to go forward.
	 */
	readonly leaveOn?: (failure: WriterFailure) => boolean;
	/**
	 * When the request began waiting on any key (on the lock's timers): the wait ends
	 * `readerWaitMs` after that, not after this call, so a request that waits on one key
	 * and then on another (its variant's, one range's) waits no longer in all than one that
	 * waited once. Without it, the wait starts now.
	 */
	readonly waitingSince?: number;
	/**
	 * Asked of a fill the writer shares (Writer.share): true follows it, ending the wait;
	 * false keeps waiting for the writer's outcome. Without it, every wait is for the outcome.
	 */
	readonly acceptsFeed?: (feed: Feed) => boolean;
}

export type Acquired<Feed = unknown> =
	| Writer<Feed>
	| { readonly role: "waiter"; readonly outcome: Promise<WaitOutcome<Feed>> }
	/** The key recently proved uncacheable: go to the origin without queueing. */
	| { readonly role: "bypass" };

export interface CacheLockStats {
	readonly locksHeld: number;
	readonly waiting: number;
	/**
	 * Requests served from another request's fill, without an origin trip of their own:
	 * counted by whoever serves them (noteCollapsed), not per "filled" wait, since a waiter
	 * whose variant the fill did not store waits again, on its variant's writer.
	 */
	readonly coalesced: number;
	readonly writerTimeouts: number;
	/** Waiters that became the writer after the one before failed or expired. */
	readonly handoffs: number;
	/** Waiters that followed a writer's shared fill (Writer.share) rather than wait for its end. */
	readonly followed: number;
	readonly waitTimeouts: number;
	readonly uncacheableKeys: number;
}

interface Waiter<Feed> {
	readonly leaveOn: ((failure: WriterFailure) => boolean) | undefined;
	readonly acceptsFeed: ((feed: Feed) => boolean) | undefined;
	/** Ends the wait with an outcome, or with this waiter as the writer. */
	readonly settle: (outcome: WaitOutcome<Feed>) => void;
}

interface Lock<Feed> {
	/** In arrival order: the first one left is the next writer. */
	readonly waiters: Set<Waiter<Feed>>;
	/** The current writer's turn, counted from 0: a release from an earlier one is late. */
	turn: number;
	expiry: TimerHandle;
	/** When the current writer last made progress (its turn's start, else Writer.progress). */
	lastProgress: number;
	/** The current writer's shared fill, while its turn lasts. */
	feed: Feed | undefined;
}

/** A key known uncacheable, kept by hash (see the file comment). */
interface Mark {
	/** Epoch ms until which the key skips the queue. */
	readonly until: number;
	/** A variant key's hash53 of its primary part, so a purge of one URL finds its marks. */
	readonly primary: number | undefined;
}

/**
 * Between a primary key and its variant key in a storage key (proxy/cache-read.ts); a
 * prefix ending in it names the variants of one primary key.
 */
const VARIANT_SEPARATOR = "\u0000";

const DEFAULT_MAX_UNCACHEABLE_KEYS = 100_000;

/**
 * `Feed` is what a writer may share with its waiters (Writer.share); the lock only passes it
 * on, and its users check what they are given.
 */
export class CacheLock<Feed = unknown> {
	readonly #locks = new Map<string, Lock<Feed>>();
	/**
	 * hash53(key) -> its mark. Every mark lives uncacheableTtlMs and a renewal re-inserts
	 * it, so insertion order is expiry order.
	 */
	readonly #uncacheable = new Map<number, Mark>();
	readonly #maxUncacheable: number;
	#waiting = 0;
	#coalesced = 0;
	#writerTimeouts = 0;
	#handoffs = 0;
	#followed = 0;
	#waitTimeouts = 0;

	constructor(private readonly options: CacheLockOptions) {
		for (const name of ["writerTimeoutMs", "readerWaitMs", "uncacheableTtlMs"] as const) {
			if (!(options[name] >= 0)) throw new RangeError(`${name} must be >= 0, got ${options[name]}`);
		}
		this.#maxUncacheable = options.maxUncacheableKeys ?? DEFAULT_MAX_UNCACHEABLE_KEYS;
	}

	acquire(key: string, options: WaitOptions<Feed> = {}): Acquired<Feed> {
		if (this.#knownUncacheable(key)) return { role: "bypass" };
		const held = this.#locks.get(key);
		if (held === undefined) return this.#writerTurn(key, this.#newLock(key));
		const feed = held.feed;
		if (feed !== undefined && options.signal?.aborted !== true && options.acceptsFeed?.(feed)) {
			this.#followed++;
			return { role: "waiter", outcome: Promise.resolve({ role: "follower", feed }) };
		}
		return { role: "waiter", outcome: this.#wait(held, options) };
	}

	/**
	 * The writer's turn if no request fills the key, and undefined (without queueing) while
	 * one does: for work that would rather not happen twice than wait, like a background
	 * refresh. A key known uncacheable is taken too: its requests skip the queue, but the
	 * lock still keeps a second refresh from starting while one runs (a marked key's
	 * stale-while-revalidate entry sent one refresh per request).
	 */
	tryWrite(key: string): Writer<Feed> | undefined {
		if (this.#locks.has(key)) return undefined;
		return this.#writerTurn(key, this.#newLock(key));
	}

	/**
	 * What a request that went forward without the lock (a bypass, or a waiter sent to the
	 * origin) learned: "filled" forgets that the key was uncacheable, "uncacheable" remembers
	 * it again; the rest say nothing about the key.
	 */
	note(key: string, outcome: WriterOutcome): void {
		if (outcome === "filled") this.#uncacheable.delete(hash53(key));
		if (outcome === "uncacheable") this.#rememberUncacheable(key);
	}

	/**
	 * Forgets the uncacheable mark of a key; of every variant of a primary key (the prefix
	 * `primary + VARIANT_SEPARATOR`, what a purge of one URL names); or, for any other
	 * prefix, every mark: hashes do not tell which keys lie under it. Forgetting too much
	 * costs a marked key one turn behind a writer to learn it again.
	 */
	forgetUncacheable(selector: { readonly key: string } | { readonly prefix: string }): void {
		if ("key" in selector) {
			this.#uncacheable.delete(hash53(selector.key));
			return;
		}
		const { prefix } = selector;
		if (!prefix.endsWith(VARIANT_SEPARATOR)) {
			this.#uncacheable.clear();
			return;
		}
		const primary = hash53(prefix.slice(0, -VARIANT_SEPARATOR.length));
		for (const [hash, mark] of this.#uncacheable)
			if (mark.primary === primary) this.#uncacheable.delete(hash);
	}

	/** A request was served from another's fill (CacheLockStats.coalesced). */
	noteCollapsed(): void {
		this.#coalesced++;
	}

	stats(): CacheLockStats {
		return {
			locksHeld: this.#locks.size,
			waiting: this.#waiting,
			coalesced: this.#coalesced,
			writerTimeouts: this.#writerTimeouts,
			handoffs: this.#handoffs,
			followed: this.#followed,
			waitTimeouts: this.#waitTimeouts,
			uncacheableKeys: this.#uncacheable.size,
		};
	}

	#newLock(key: string): Lock<Feed> {
		const lock: Lock<Feed> = {
			waiters: new Set(),
			turn: 0,
			expiry: NO_EXPIRY,
			lastProgress: 0,
			feed: undefined,
		};
		this.#locks.set(key, lock);
		return lock;
	}

	/** Starts the lock's next writer turn: its expiry, and the writer's release. */
	#writerTurn(key: string, lock: Lock<Feed>): Writer<Feed> {
		const turn = lock.turn;
		const { timers, writerTimeoutMs } = this.options;
		const current = () => this.#locks.get(key) === lock && lock.turn === turn;
		lock.lastProgress = timers.now();
		// A feed belongs to the turn that shared it: a lock that ends is dropped with its own.
		lock.feed = undefined;
		// One timer a turn, moved on only when it fires: progress itself just notes the time,
		// so a body of many chunks costs no timer per chunk.
		const armExpiry = (ms: number) => {
			lock.expiry = timers.after(ms, () => {
				if (!current()) return;
				const quiet = timers.now() - lock.lastProgress;
				if (quiet < writerTimeoutMs) return armExpiry(writerTimeoutMs - quiet);
				this.#writerTimeouts++;
				this.#handOver(key, lock, undefined);
			});
		};
		armExpiry(writerTimeoutMs);
		return {
			role: "writer",
			release: (outcome) => {
				// The lock ended already (this release is a second one, or late): nothing to do.
				if (this.#locks.get(key) !== lock) return;
				// An expired writer: its successor holds the turn, but a stored object is stored.
				if (lock.turn !== turn && outcome !== "filled") return;
				this.#end(key, lock, outcome);
			},
			progress: () => {
				if (current()) lock.lastProgress = timers.now();
			},
			share: (feed) => {
				if (!current()) return;
				lock.feed = feed;
				for (const waiter of [...lock.waiters]) {
					if (!waiter.acceptsFeed?.(feed)) continue;
					this.#followed++;
					waiter.settle({ role: "follower", feed });
				}
			},
		};
	}

	#end(key: string, lock: Lock<Feed>, outcome: WriterOutcome): void {
		lock.expiry.cancel();
		if (outcome === "failed") {
			this.#handOver(key, lock, outcome);
			return;
		}
		this.#locks.delete(key);
		this.note(key, outcome);
		const releasing = RELEASING_FAILURES.has(outcome);
		for (const waiter of [...lock.waiters]) {
			if (!releasing) waiter.settle(outcome);
			else waiter.settle(waiter.leaveOn?.(outcome as WriterFailure) ? outcome : "released");
		}
	}

	/**
	 * The writer's answer broke off (`failure`) or it expired (undefined): waiters that would rather take
	 * the failure leave with it, the first of the rest becomes the writer, and the others
	 * stay, waiting on it. With no one left, the key is free.
	 */
	#handOver(key: string, lock: Lock<Feed>, failure: "failed" | undefined): void {
		if (failure !== undefined)
			for (const waiter of [...lock.waiters]) if (waiter.leaveOn?.(failure)) waiter.settle(failure);
		const next = lock.waiters.values().next().value;
		if (next === undefined) {
			this.#locks.delete(key);
			return;
		}
		lock.turn++;
		this.#handoffs++;
		next.settle(this.#writerTurn(key, lock));
	}

	#wait(lock: Lock<Feed>, options: WaitOptions<Feed>): Promise<WaitOutcome<Feed>> {
		const { signal } = options;
		if (signal?.aborted) return Promise.resolve("cancelled");
		const now = this.options.timers.now();
		const waitMs = this.options.readerWaitMs - (now - (options.waitingSince ?? now));
		if (waitMs <= 0) {
			this.#waitTimeouts++;
			return Promise.resolve("wait-timeout");
		}
		return new Promise<WaitOutcome<Feed>>((resolve) => {
			let timer: TimerHandle | undefined;
			const onAbort = () => waiter.settle("cancelled");
			const waiter: Waiter<Feed> = {
				leaveOn: options.leaveOn,
				acceptsFeed: options.acceptsFeed,
				settle: (outcome) => {
					if (!lock.waiters.delete(waiter)) return;
					this.#waiting--;
					timer?.cancel();
					signal?.removeEventListener("abort", onAbort);
					if (outcome === "wait-timeout") this.#waitTimeouts++;
					resolve(outcome);
				},
			};
			lock.waiters.add(waiter);
			this.#waiting++;
			timer = this.options.timers.after(waitMs, () => waiter.settle("wait-timeout"));
			signal?.addEventListener("abort", onAbort, { once: true });
		});
	}

	#knownUncacheable(key: string): boolean {
		const hash = hash53(key);
		const mark = this.#uncacheable.get(hash);
		if (mark === undefined) return false;
		if (mark.until > this.options.timers.now()) return true;
		this.#uncacheable.delete(hash);
		return false;
	}

	#rememberUncacheable(key: string): void {
		const hash = hash53(key);
		const now = this.options.timers.now();
		this.#uncacheable.delete(hash);
		const separator = key.indexOf(VARIANT_SEPARATOR);
		const primary = separator < 0 ? undefined : hash53(key.slice(0, separator));
		this.#uncacheable.set(hash, { until: now + this.options.uncacheableTtlMs, primary });
		// Oldest first: expired marks go (a key never asked again would keep its mark), and
		// past the bound the oldest live ones too (they would be re-learned). Each insert
		// removes at most what earlier inserts added: amortized O(1).
		for (const [oldest, mark] of this.#uncacheable) {
			if (mark.until > now && this.#uncacheable.size <= this.#maxUncacheable) break;
			this.#uncacheable.delete(oldest);
		}
	}
}

/** A lock's expiry before its first writer turn sets one. */
const NO_EXPIRY: TimerHandle = { cancel() {} };
