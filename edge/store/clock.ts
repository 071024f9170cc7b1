/**
 * Time as the cache sees it. Everything time-based takes a Clock so tests drive time by
 * hand (ManualClock) instead of sleeping.
 */
export interface Clock {
	/** Milliseconds since the Unix epoch. */
	now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that reads the system time at most once per millisecond tick. Reading Date.now()
 * costs more than a cache lookup (about 55 ns against 10-20 ns on Bun), so the hot path reads
 * a cached value that a 1 ms timer refreshes (the way nginx caches time per loop turn).
 * Within one synchronous burst time stands still, which is fine for TTLs in milliseconds.
 */
export function coarseClock(): Clock & { stop(): void } {
	let current = Date.now();
	const timer = setInterval(() => {
		current = Date.now();
	}, 1);
	// Never keep a process alive just to tell the time.
	(timer as { unref?: () => void }).unref?.();
	return {
		now: () => current,
		stop: () => clearInterval(timer),
	};
}

let shared: Clock | undefined;

/** One coarse clock for the whole process: a single timer however many tiers read it. */
export function sharedCoarseClock(): Clock {
	shared ??= coarseClock();
	return shared;
}

/** A clock that moves only when told to: for tests. */
export class ManualClock implements Clock {
	constructor(private current = 0) {}
	now(): number {
		return this.current;
	}
	advance(ms: number): void {
		if (!(ms >= 0)) throw new RangeError(`clock cannot move by ${ms} ms`);
		this.current += ms;
	}
	set(ms: number): void {
		this.current = ms;
	}
}
