import { describe, expect, test } from "bun:test";
import {
	type Acquired,
	CacheLock,
	POP_LOCK_TIMEOUTS,
	type WaitOutcome,
} from "../../edge/lock/cache-lock.ts";
import { ManualTimers } from "../../edge/lock/timers.ts";

function makeLock(over: { maxUncacheableKeys?: number; readerWaitMs?: number } = {}) {
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
		expect(lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0 });
	});

	test("a failed writer hands the lock to its first waiter; the others wait on that one", async () => {
		const { lock } = makeLock();
		const first = writer(lock.acquire("k"));
		const second = waiter(lock.acquire("k"));
		const third = waiter(lock.acquire("k"));
		const fourth = waiter(lock.acquire("k"));
		first.release("failed");
		const next = writer((await second) as Acquired);
		expect(lock.stats()).toMatchObject({ locksHeld: 1, waiting: 2, handoffs: 1 });
		// A newcomer queues behind the new writer too, rather than become a writer of its own.
		const late = waiter(lock.acquire("k"));
		next.release("filled");
		expect(await Promise.all([third, fourth, late])).toEqual(["filled", "filled", "filled"]);
		expect(lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0 });
	});

	test("a failed writer with no one waiting frees the key", () => {
		const { lock, timers } = makeLock();
		writer(lock.acquire("k")).release("failed");
		expect(lock.stats()).toMatchObject({ locksHeld: 0, handoffs: 0 });
		expect(lock.acquire("k").role).toBe("writer");
		expect(timers.pending).toBe(1); // the new writer's expiry only
	});

	test("an unreachable origin: waiters that can serve stale leave, the rest go forward at once", async () => {
		const { lock } = makeLock();
		const first = writer(lock.acquire("k"));
		const withStale = waiter(
			lock.acquire("k", { leaveOn: (failure) => failure === "unreachable" }),
		);
		const without = waiter(lock.acquire("k", { leaveOn: () => false }));
		const alsoWithout = waiter(lock.acquire("k"));
		first.release("unreachable");
		expect(await Promise.all([withStale, without, alsoWithout])).toEqual([
			"unreachable",
			"released",
			"released",
		]);
		expect(lock.stats()).toMatchObject({ locksHeld: 0, handoffs: 0, uncacheableKeys: 0 });
		// Not remembered: the next miss is a writer again.
		expect(lock.acquire("k").role).toBe("writer");
	});

	test("an origin's error answer releases every waiter at once; one with a stale copy takes it", async () => {
		const { lock } = makeLock();
		const first = writer(lock.acquire("k"));
		const withStale = waiter(lock.acquire("k", { leaveOn: (failure) => failure === "error" }));
		const others = Array.from({ length: 5 }, () => waiter(lock.acquire("k")));
		first.release("error");
		expect(await withStale).toBe("error");
		expect(new Set(await Promise.all(others))).toEqual(new Set(["released"]));
		expect(lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0, handoffs: 0 });
		expect(lock.acquire("k").role).toBe("writer");
	});

	test("a plain failure is offered to leaveOn as such", async () => {
		const { lock } = makeLock();
		const offered: string[] = [];
		const first = writer(lock.acquire("k"));
		const leaves = waiter(
			lock.acquire("k", {
				leaveOn: (failure) => {
					offered.push(failure);
					return true;
				},
			}),
		);
		first.release("failed");
		expect(await leaves).toBe("failed");
		expect(offered).toEqual(["failed"]);
		expect(lock.stats().locksHeld).toBe(0);
	});

	test("locks are per key", () => {
		const { lock } = makeLock();
		expect(lock.acquire("a").role).toBe("writer");
		expect(lock.acquire("b").role).toBe("writer");
		expect(lock.acquire("a").role).toBe("waiter");
	});

	test("a writer that never releases loses the lock at its timeout to the first waiter", async () => {
		const { lock, timers } = makeLock();
		const stuck = writer(lock.acquire("k"));
		timers.advance(1_000);
		const first = waiter(lock.acquire("k")); // would give up at 3,000 ms
		timers.advance(3_000); // 4,000 ms
		expect(await first).toBe("wait-timeout");
		const second = waiter(lock.acquire("k")); // would give up at 6,000 ms
		const third = waiter(lock.acquire("k"));
		timers.advance(1_000); // the stuck writer expires at 5,000 ms
		const next = writer((await second) as Acquired);
		expect(lock.stats()).toMatchObject({ locksHeld: 1, writerTimeouts: 1, waitTimeouts: 1 });
		// The stuck writer's late failure changes nothing; its successor's fill ends the wait.
		stuck.release("failed");
		expect(lock.stats()).toMatchObject({ locksHeld: 1, waiting: 1 });
		next.release("filled");
		expect(await third).toBe("filled");
	});

	test("an expired writer that stores after all serves everyone waiting on its successor", async () => {
		const { lock, timers } = makeLock({ readerWaitMs: 20_000 });
		const slow = writer(lock.acquire("k"));
		const second = waiter(lock.acquire("k"));
		const third = waiter(lock.acquire("k"));
		timers.advance(5_000);
		const successor = writer((await second) as Acquired);
		slow.release("filled");
		expect(await third).toBe("filled");
		expect(lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0 });
		// The successor's release, when it comes, ends nothing: the key is free.
		successor.release("failed");
		expect(lock.acquire("k").role).toBe("writer");
		expect(lock.acquire("k").role).toBe("waiter");
	});

	test("a waiter's wait is bounded in all, however many writers it waits on", async () => {
		const { lock, timers } = makeLock();
		const first = writer(lock.acquire("k"));
		const second = waiter(lock.acquire("k"));
		const patient = waiter(lock.acquire("k"));
		timers.advance(1_000);
		first.release("failed");
		writer((await second) as Acquired);
		timers.advance(999);
		expect(lock.stats().waiting).toBe(1);
		timers.advance(1); // 2,000 ms after `patient` came, though its writer is 1,000 ms old
		expect(await patient).toBe("wait-timeout");
	});

	test("a request that waits again on another key waits readerWaitMs in all, counted from its first wait", async () => {
		const { lock, timers } = makeLock(); // readerWaitMs 2,000; the clock starts at 1,000
		const since = timers.now();
		writer(lock.acquire("whole"));
		const onWhole = waiter(lock.acquire("whole", { waitingSince: since }));
		timers.advance(1_500);
		writer(lock.acquire("range"));
		const onRange = waiter(lock.acquire("range", { waitingSince: since }));
		timers.advance(500); // 2,000 ms since the first wait: both end
		expect(await onWhole).toBe("wait-timeout");
		expect(await onRange).toBe("wait-timeout");
		// A request whose bound has passed does not queue at all; the key stays held.
		expect(await waiter(lock.acquire("range", { waitingSince: since }))).toBe("wait-timeout");
		expect(lock.stats()).toMatchObject({ waitTimeouts: 3, waiting: 0, locksHeld: 2 });
		// Without waitingSince, a wait is counted from its own start.
		const fresh = waiter(lock.acquire("range"));
		timers.advance(1_999);
		expect(lock.stats().waiting).toBe(1);
		timers.advance(1);
		expect(await fresh).toBe("wait-timeout");
	});

	test("a response that cannot be stored releases waiters; only an uncacheable one is remembered", async () => {
		const { lock, timers } = makeLock();
		const w = writer(lock.acquire("k"));
		const wait = waiter(lock.acquire("k"));
		w.release("uncacheable");
		expect(await wait).toBe("uncacheable");
		expect(lock.acquire("k").role).toBe("bypass");
		timers.advance(59_999);
		expect(lock.acquire("k").role).toBe("bypass");
		timers.advance(1);
		const tooBig = writer(lock.acquire("k"));
		const behind = waiter(lock.acquire("k"));
		tooBig.release("not-stored");
		expect(await behind).toBe("not-stored");
		expect(lock.acquire("k").role).toBe("writer");
	});

	test("what a bypass learns is noted: a stored response ends the mark, another renews it", () => {
		const { lock, timers } = makeLock();
		writer(lock.acquire("k")).release("uncacheable");
		timers.advance(50_000);
		lock.note("k", "uncacheable");
		timers.advance(50_000);
		expect(lock.acquire("k").role).toBe("bypass");
		lock.note("k", "failed");
		lock.note("k", "not-stored");
		expect(lock.acquire("k").role).toBe("bypass");
		lock.note("k", "filled");
		expect(lock.acquire("k").role).toBe("writer");
		expect(lock.stats().uncacheableKeys).toBe(0);
	});

	test("marks are forgotten by key or by prefix (a purge)", () => {
		const { lock } = makeLock();
		for (const key of ["a", "a\u0000en", "ab", "b"])
			writer(lock.acquire(key)).release("uncacheable");
		lock.forgetUncacheable({ key: "b" });
		expect(lock.stats().uncacheableKeys).toBe(3);
		lock.forgetUncacheable({ prefix: "a\u0000" });
		expect(lock.acquire("a\u0000en").role).toBe("writer");
		expect(lock.acquire("a").role).toBe("bypass");
		expect(lock.acquire("ab").role).toBe("bypass");
		// Marks are kept by hash: any other prefix cannot be matched, and forgets them all.
		lock.forgetUncacheable({ prefix: "ab" });
		expect(lock.stats().uncacheableKeys).toBe(0);
		expect(lock.acquire("a").role).toBe("writer");
	});

	test("marks cost the same whatever the key's length, and expired ones are swept as others come", () => {
		const { lock, timers } = makeLock();
		const long = (i: number) => `GET http://cdn.test/${i}?q=${"y".repeat(8_000)}`;
		for (let i = 0; i < 10; i++) writer(lock.acquire(long(i))).release("uncacheable");
		expect(lock.stats().uncacheableKeys).toBe(10);
		expect(lock.acquire(long(3)).role).toBe("bypass");
		timers.advance(60_000);
		// Never asked again, the ten expired marks still go when the next mark comes.
		writer(lock.acquire("fresh")).release("uncacheable");
		expect(lock.stats().uncacheableKeys).toBe(1);
	});

	test("a waiter whose client goes away leaves the queue at once and is never handed the lock", async () => {
		const { lock, timers } = makeLock();
		const w = writer(lock.acquire("k"));
		const controller = new AbortController();
		const gone = waiter(lock.acquire("k", { signal: controller.signal }));
		const stays = waiter(lock.acquire("k"));
		controller.abort();
		expect(await gone).toBe("cancelled");
		expect(lock.stats().waiting).toBe(1);
		w.release("failed");
		writer((await stays) as Acquired).release("filled");
		expect(timers.pending).toBe(0);
	});

	test("an already aborted signal never queues", async () => {
		const { lock } = makeLock();
		lock.acquire("k");
		const controller = new AbortController();
		controller.abort();
		expect(await waiter(lock.acquire("k", { signal: controller.signal }))).toBe("cancelled");
		expect(lock.stats().waiting).toBe(0);
	});

	test("tryWrite takes a free key, and never queues behind a held one", () => {
		const { lock } = makeLock();
		expect(lock.tryWrite("k")?.role).toBe("writer");
		expect(lock.tryWrite("k")).toBeUndefined();
		expect(lock.stats()).toMatchObject({ locksHeld: 1, waiting: 0 });
	});

	test("tryWrite takes a key known uncacheable too, so one refresh runs at a time", () => {
		const { lock } = makeLock();
		writer(lock.acquire("u")).release("uncacheable");
		const refresh = lock.tryWrite("u");
		expect(refresh?.role).toBe("writer");
		expect(lock.tryWrite("u")).toBeUndefined();
		// Requests on the marked key still skip the queue.
		expect(lock.acquire("u").role).toBe("bypass");
		refresh?.release("uncacheable");
		expect(lock.tryWrite("u")?.role).toBe("writer");
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

	test("with a POP's defaults, a 13 s fill serves the 49 that came with it: none times out first", async () => {
		const timers = new ManualTimers(0);
		const lock = new CacheLock({ timers, ...POP_LOCK_TIMEOUTS });
		const slow = writer(lock.acquire("k"));
		const waits = Array.from({ length: 49 }, () => waiter(lock.acquire("k")));
		timers.advance(13_000);
		expect(lock.stats()).toMatchObject({ waiting: 49, waitTimeouts: 0 });
		slow.release("filled");
		expect(new Set(await Promise.all(waits))).toEqual(new Set(["filled"]));
	});

	test("with a POP's defaults, a writer that hangs past its lock hands over to one waiter; the rest wait on", async () => {
		const timers = new ManualTimers(0);
		const lock = new CacheLock({ timers, ...POP_LOCK_TIMEOUTS });
		writer(lock.acquire("k"));
		const [first, ...rest] = Array.from({ length: 49 }, () => waiter(lock.acquire("k")));
		timers.advance(POP_LOCK_TIMEOUTS.writerTimeoutMs);
		const next = writer((await first) as Acquired);
		expect(lock.stats()).toMatchObject({ handoffs: 1, waitTimeouts: 0, waiting: 48 });
		next.release("filled");
		expect(new Set(await Promise.all(rest))).toEqual(new Set(["filled"]));
	});

	test("a writer that makes progress keeps its lock; one that stops expires writerTimeoutMs after its last", async () => {
		const { lock, timers } = makeLock({ readerWaitMs: 60_000 });
		const first = writer(lock.acquire("k"));
		const second = waiter(lock.acquire("k"));
		for (let i = 0; i < 4; i++) {
			timers.advance(4_000); // 16 s in all, past the 5 s writer timeout three times
			first.progress();
		}
		expect(lock.stats()).toMatchObject({ writerTimeouts: 0, handoffs: 0, waiting: 1 });
		timers.advance(4_999);
		expect(lock.stats().writerTimeouts).toBe(0);
		timers.advance(1);
		expect(lock.stats()).toMatchObject({ writerTimeouts: 1, handoffs: 1 });
		const next = writer((await second) as Acquired);
		// The expired writer's progress no longer counts; its successor's own turn does.
		first.progress();
		timers.advance(5_000);
		expect(lock.stats().writerTimeouts).toBe(2);
		next.release("filled");
	});

	test("a shared fill: waiters that accept it follow at once, the rest wait for the outcome", async () => {
		const { lock } = makeLock();
		const first = writer(lock.acquire("k"));
		const takes = waiter(lock.acquire("k", { acceptsFeed: (feed) => feed === "fill-1" }));
		const declines = waiter(lock.acquire("k", { acceptsFeed: () => false }));
		const silent = waiter(lock.acquire("k"));
		first.share("fill-1");
		expect(await takes).toEqual({ role: "follower", feed: "fill-1" });
		expect(lock.stats()).toMatchObject({ followed: 1, waiting: 2 });
		// One that comes while the turn lasts follows at once; one that will not, queues.
		const late = waiter(lock.acquire("k", { acceptsFeed: () => true }));
		expect(await late).toEqual({ role: "follower", feed: "fill-1" });
		const lateDecline = waiter(lock.acquire("k", { acceptsFeed: () => false }));
		first.release("filled");
		expect(await Promise.all([declines, silent, lateDecline])).toEqual([
			"filled",
			"filled",
			"filled",
		]);
		expect(lock.stats()).toMatchObject({ followed: 2, locksHeld: 0, waiting: 0 });
		// The fill ended with the turn: the next request on the key writes.
		expect(lock.acquire("k", { acceptsFeed: () => true }).role).toBe("writer");
	});

	test("a shared fill ends with its writer's turn: after a hand-over no one follows it", async () => {
		const { lock } = makeLock();
		const first = writer(lock.acquire("k"));
		const second = waiter(lock.acquire("k", { acceptsFeed: () => false }));
		first.share("old");
		first.release("failed");
		const next = writer((await second) as Acquired);
		const arriving = waiter(lock.acquire("k", { acceptsFeed: () => true }));
		// The expired or failed writer's late share is ignored too.
		first.share("older");
		next.share("new");
		expect(await arriving).toEqual({ role: "follower", feed: "new" });
		next.release("filled");
	});

	test("an aborted request does not follow a shared fill", async () => {
		const { lock } = makeLock();
		const first = writer(lock.acquire("k"));
		first.share("fill");
		const gone = new AbortController();
		gone.abort();
		expect(await waiter(lock.acquire("k", { signal: gone.signal, acceptsFeed: () => true }))).toBe(
			"cancelled",
		);
		first.release("filled");
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
