import { describe, expect, test } from "bun:test";
import { type Acquired, CacheLock, type WaitOutcome } from "../../edge/lock/cache-lock.ts";
import { ManualTimers } from "../../edge/lock/timers.ts";

function makeLock(over: { maxUncacheableKeys?: number } = {}) {
	const timers = new ManualTimers(1_000);
	const lock = new CacheLock({
		timers,
		writerTimeoutMs: 5_000,
		readerWaitMs: 2_000,
		uncacheableTtlMs: 60_000,
		...over,
	});
	return { timers, lock };
}

function writer(acquired: Acquired) {
	if (acquired.role !== "writer") throw new Error(`expected a writer, got ${acquired.role}`);
	return acquired;
}

function waiter(acquired: Acquired): Promise<WaitOutcome> {
	if (acquired.role !== "waiter") throw new Error(`expected a waiter, got ${acquired.role}`);
	return acquired.outcome;
}

describe("CacheLock", () => {
	test("100 concurrent misses: one writer, 99 waiters served from its fill", async () => {
		const { lock } = makeLock();
		const acquired = Array.from({ length: 100 }, () => lock.acquire("k"));
		expect(acquired.filter((a) => a.role === "writer")).toHaveLength(1);
		const outcomes = acquired.slice(1).map(waiter);
		writer(acquired[0] as Acquired).release("filled");
		expect(new Set(await Promise.all(outcomes))).toEqual(new Set(["filled"]));
		expect(lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0, coalesced: 99 });
	});

	test("a writer that could not reach the origin tells its waiters so; the key is not marked uncacheable", async () => {
		const { lock } = makeLock();
		const first = writer(lock.acquire("k"));
		const waiting = waiter(lock.acquire("k"));
		first.release("unreachable");
		expect(await waiting).toBe("unreachable");
		expect(lock.acquire("k").role).toBe("writer");
	});

	test("locks are per key", () => {
		const { lock } = makeLock();
		expect(lock.acquire("a").role).toBe("writer");
		expect(lock.acquire("b").role).toBe("writer");
		expect(lock.acquire("a").role).toBe("waiter");
	});

	test("a writer that never releases loses the lock at its timeout; waiters retry", async () => {
		const { lock, timers } = makeLock();
		const stuck = writer(lock.acquire("k"));
		const first = waiter(lock.acquire("k"));
		timers.advance(1_999);
		expect(lock.stats().waiting).toBe(1);
		timers.advance(1); // the first waiter gives up 2,000 ms after it came
		expect(await first).toBe("wait-timeout");
		timers.advance(1_500);
		const late = lock.acquire("k"); // would give up at 5,500 ms
		timers.advance(1_500); // the writer expires at 5,000 ms
		expect(await waiter(late)).toBe("retry");
		expect(lock.stats()).toMatchObject({ locksHeld: 0, writerTimeouts: 1, waitTimeouts: 1 });
		// The next request becomes the writer; the stuck writer's late release changes nothing.
		const next = writer(lock.acquire("k"));
		const behindNext = waiter(lock.acquire("k"));
		stuck.release("filled");
		expect(lock.stats().locksHeld).toBe(1);
		next.release("filled");
		expect(await behindNext).toBe("filled");
	});

	test("a failed writer sends its waiters to try again, and frees the key", async () => {
		const { lock } = makeLock();
		const w = writer(lock.acquire("k"));
		const wait = waiter(lock.acquire("k"));
		w.release("failed");
		expect(await wait).toBe("retry");
		expect(lock.acquire("k").role).toBe("writer");
	});

	test("an uncacheable response releases waiters to the origin and the key skips the queue", async () => {
		const { lock, timers } = makeLock();
		const w = writer(lock.acquire("k"));
		const wait = waiter(lock.acquire("k"));
		w.release("uncacheable");
		expect(await wait).toBe("uncacheable");
		expect(lock.acquire("k").role).toBe("bypass");
		timers.advance(59_999);
		expect(lock.acquire("k").role).toBe("bypass");
		timers.advance(1);
		expect(lock.acquire("k").role).toBe("writer");
	});

	test("a waiter whose client goes away leaves the queue at once", async () => {
		const { lock, timers } = makeLock();
		const w = writer(lock.acquire("k"));
		const controller = new AbortController();
		const gone = waiter(lock.acquire("k", controller.signal));
		const stays = waiter(lock.acquire("k"));
		controller.abort();
		expect(await gone).toBe("cancelled");
		expect(lock.stats().waiting).toBe(1);
		w.release("filled");
		expect(await stays).toBe("filled");
		expect(timers.pending).toBe(0);
	});

	test("an already aborted signal never queues", async () => {
		const { lock } = makeLock();
		lock.acquire("k");
		const controller = new AbortController();
		controller.abort();
		expect(await waiter(lock.acquire("k", controller.signal))).toBe("cancelled");
		expect(lock.stats().waiting).toBe(0);
	});

	test("release is idempotent and leaves no timers behind", () => {
		const { lock, timers } = makeLock();
		const w = writer(lock.acquire("k"));
		w.release("filled");
		w.release("uncacheable");
		expect(lock.acquire("other").role).toBe("writer");
		expect(lock.acquire("k").role).toBe("writer"); // not bypass: the second release was ignored
		expect(lock.stats().uncacheableKeys).toBe(0);
		expect(timers.pending).toBe(2); // the two live writers' expiries only
	});

	test("a flood of uncacheable keys is bounded, oldest forgotten first", () => {
		const { lock } = makeLock({ maxUncacheableKeys: 3 });
		for (const key of ["a", "b", "c", "d"]) writer(lock.acquire(key)).release("uncacheable");
		expect(lock.stats().uncacheableKeys).toBe(3);
		expect(lock.acquire("a").role).toBe("writer");
		expect(lock.acquire("d").role).toBe("bypass");
	});

	test("negative or NaN timeouts are refused", () => {
		const timers = new ManualTimers();
		expect(
			() => new CacheLock({ timers, writerTimeoutMs: -1, readerWaitMs: 1, uncacheableTtlMs: 1 }),
		).toThrow("writerTimeoutMs must be >= 0");
		expect(
			() =>
				new CacheLock({
					timers,
					writerTimeoutMs: 1,
					readerWaitMs: Number.NaN,
					uncacheableTtlMs: 1,
				}),
		).toThrow("readerWaitMs must be >= 0");
	});
});

describe("ManualTimers", () => {
	test("runs due callbacks in deadline order and skips cancelled ones", () => {
		const timers = new ManualTimers(0);
		const ran: string[] = [];
		timers.after(30, () => ran.push("c"));
		timers.after(10, () => ran.push("a"));
		const cancelled = timers.after(20, () => ran.push("x"));
		timers.after(20, () => ran.push("b"));
		cancelled.cancel();
		timers.advance(25);
		expect(ran).toEqual(["a", "b"]);
		expect(timers.now()).toBe(25);
		timers.advance(5);
		expect(ran).toEqual(["a", "b", "c"]);
		expect(timers.pending).toBe(0);
	});

	test("a callback scheduled by a callback runs if it falls due", () => {
		const timers = new ManualTimers(0);
		const ran: number[] = [];
		timers.after(5, () => {
			ran.push(timers.now());
			timers.after(5, () => ran.push(timers.now()));
		});
		timers.advance(10);
		expect(ran).toEqual([5, 10]);
	});

	test("time cannot move backwards", () => {
		const timers = new ManualTimers(7);
		expect(() => timers.advance(-1)).toThrow(RangeError);
		expect(timers.now()).toBe(7);
	});
});
