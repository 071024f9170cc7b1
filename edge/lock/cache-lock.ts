/**
 * Request coalescing: of concurrent misses on one key, the first becomes the writer and
 * goes to the origin; the rest wait for it and then read what it stored. Nothing here can
 * leave a key locked for good:
 * - the writer's lock expires after `writerTimeoutMs` (a writer that hung or vanished), and
 *   waiters are then told to try again, so one of them becomes the next writer;
 * - each waiter gives up after `readerWaitMs` and goes to the origin itself;
 * - a waiter whose client went away (AbortSignal) leaves the queue at once;
 * - a response found uncacheable releases the waiters to the origin, and the key is
 *   remembered as uncacheable for `uncacheableTtlMs`, so later requests skip the queue.
 */
import type { TimerHandle, Timers } from "./timers.ts";

/**
 * The timeouts a POP runs with: a fill may hold its key 10 s, a waiter waits as long, and a
 * key that proved uncacheable skips the queue for 30 s.
 */
export const POP_LOCK_TIMEOUTS = {
	writerTimeoutMs: 10_000,
	readerWaitMs: 10_000,
	uncacheableTtlMs: 30_000,
} as const;

export interface CacheLockOptions {
	readonly timers: Timers;
	readonly writerTimeoutMs: number;
	readonly readerWaitMs: number;
	readonly uncacheableTtlMs: number;
	/** Bound on remembered uncacheable keys, so a flood of distinct keys cannot grow it. */
	readonly maxUncacheableKeys?: number;
}

/** What a waiter learns when its wait ends. */
export type WaitOutcome =
	| "filled" // the writer stored the object: read it from the cache
	| "uncacheable" // the response may not be stored: go to the origin yourself
	| "retry" // the writer failed, went away or timed out: acquire again
	| "unreachable" // the writer could not reach the origin: serve stale if allowed, else retry
	| "wait-timeout" // waited longer than readerWaitMs: go to the origin yourself
	| "cancelled"; // the waiter's own signal aborted

/** "unreachable": a failure that also tells waiters the origin is down (RFC 9111 §4.2.4). */
export type WriterOutcome = "filled" | "uncacheable" | "failed" | "unreachable";

export type Acquired =
	| {
			readonly role: "writer";
			/** Ends the lock; only the first call counts, and none after the lock expired. */
			release(outcome: WriterOutcome): void;
	  }
	| { readonly role: "waiter"; readonly outcome: Promise<WaitOutcome> }
	/** The key recently proved uncacheable: go straight to the origin. */
	| { readonly role: "bypass" };

export interface CacheLockStats {
	readonly locksHeld: number;
	readonly waiting: number;
	/** Waiters that ended with "filled": requests served without an origin trip. */
	readonly coalesced: number;
	readonly writerTimeouts: number;
	readonly waitTimeouts: number;
	readonly uncacheableKeys: number;
}

interface Waiter {
	readonly settle: (outcome: WaitOutcome) => void;
}

interface Lock {
	readonly waiters: Set<Waiter>;
	readonly expiry: TimerHandle;
}

const DEFAULT_MAX_UNCACHEABLE_KEYS = 100_000;

export class CacheLock {
	readonly #locks = new Map<string, Lock>();
	/** key -> epoch ms until which it is known uncacheable; insertion order = age. */
	readonly #uncacheable = new Map<string, number>();
	readonly #maxUncacheable: number;
	#waiting = 0;
	#coalesced = 0;
	#writerTimeouts = 0;
	#waitTimeouts = 0;

	constructor(private readonly options: CacheLockOptions) {
		for (const name of ["writerTimeoutMs", "readerWaitMs", "uncacheableTtlMs"] as const) {
			if (!(options[name] >= 0)) throw new RangeError(`${name} must be >= 0, got ${options[name]}`);
		}
		this.#maxUncacheable = options.maxUncacheableKeys ?? DEFAULT_MAX_UNCACHEABLE_KEYS;
	}

	acquire(key: string, signal?: AbortSignal): Acquired {
		if (this.#knownUncacheable(key)) return { role: "bypass" };
		const held = this.#locks.get(key);
		if (held === undefined) return this.#becomeWriter(key);
		return { role: "waiter", outcome: this.#wait(held, signal) };
	}

	stats(): CacheLockStats {
		return {
			locksHeld: this.#locks.size,
			waiting: this.#waiting,
			coalesced: this.#coalesced,
			writerTimeouts: this.#writerTimeouts,
			waitTimeouts: this.#waitTimeouts,
			uncacheableKeys: this.#uncacheable.size,
		};
	}

	#becomeWriter(key: string): Acquired {
		const lock: Lock = {
			waiters: new Set(),
			expiry: this.options.timers.after(this.options.writerTimeoutMs, () => {
				if (this.#locks.get(key) !== lock) return;
				this.#writerTimeouts++;
				this.#end(key, lock, "failed");
			}),
		};
		this.#locks.set(key, lock);
		return {
			role: "writer",
			release: (outcome) => {
				// A release after expiry, or a second one, must not end a successor's lock.
				if (this.#locks.get(key) !== lock) return;
				lock.expiry.cancel();
				this.#end(key, lock, outcome);
			},
		};
	}

	#end(key: string, lock: Lock, outcome: WriterOutcome): void {
		this.#locks.delete(key);
		if (outcome === "uncacheable") this.#rememberUncacheable(key);
		const told: WaitOutcome = outcome === "failed" ? "retry" : outcome;
		for (const waiter of [...lock.waiters]) waiter.settle(told);
	}

	#wait(lock: Lock, signal: AbortSignal | undefined): Promise<WaitOutcome> {
		if (signal?.aborted) return Promise.resolve("cancelled");
		return new Promise<WaitOutcome>((resolve) => {
			let timer: TimerHandle | undefined;
			const onAbort = () => waiter.settle("cancelled");
			const waiter: Waiter = {
				settle: (outcome) => {
					if (!lock.waiters.delete(waiter)) return;
					this.#waiting--;
					timer?.cancel();
					signal?.removeEventListener("abort", onAbort);
					if (outcome === "filled") this.#coalesced++;
					if (outcome === "wait-timeout") this.#waitTimeouts++;
					resolve(outcome);
				},
			};
			lock.waiters.add(waiter);
			this.#waiting++;
			timer = this.options.timers.after(this.options.readerWaitMs, () =>
				waiter.settle("wait-timeout"),
			);
			signal?.addEventListener("abort", onAbort, { once: true });
		});
	}

	#knownUncacheable(key: string): boolean {
		const until = this.#uncacheable.get(key);
		if (until === undefined) return false;
		if (until > this.options.timers.now()) return true;
		this.#uncacheable.delete(key);
		return false;
	}

	#rememberUncacheable(key: string): void {
		this.#uncacheable.delete(key);
		this.#uncacheable.set(key, this.options.timers.now() + this.options.uncacheableTtlMs);
		// Oldest first: past the bound, forget the oldest (they would be re-learned).
		while (this.#uncacheable.size > this.#maxUncacheable) {
			const oldest = this.#uncacheable.keys().next().value as string;
			this.#uncacheable.delete(oldest);
		}
	}
}
