/**
 * Ranges of a file over the size gate: its key is remembered uncacheable, so each Range goes
 * to the origin as sent and its 206 is stored as the key's part. Concurrent requests for the
 * same range (a popular video's players all start at one offset) wait on the first and are
 * served from the part it stores, rather than each going to the origin.
 */
import { describe, expect, test } from "bun:test";
import { makeEdge } from "./edge-harness.ts";
import { deferred, type HeldAnswer, heldOrigin, outcomes, until } from "./held-origin.ts";

const SIZE = 4096;
const FILE = Array.from({ length: SIZE }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join(
	"",
);
const GATE_BYTES = 1024;

/** The whole file: over the gate, so the key is marked uncacheable. */
const WHOLE: HeldAnswer = {
	answer: () =>
		new Response(FILE, {
			headers: { "cache-control": "max-age=60", "content-length": String(SIZE) },
		}),
};

/** The origin's 206 for bytes first-last, held until `gate` opens. */
function part(first: number, last: number, gate?: Promise<void>, cacheControl = "max-age=60") {
	const answer = () =>
		new Response(FILE.slice(first, last + 1), {
			status: 206,
			headers: {
				"cache-control": cacheControl,
				"content-range": `bytes ${first}-${last}/${SIZE}`,
			},
		});
	return gate === undefined ? { answer } : { gate, answer };
}

/** An edge whose key /video is already marked uncacheable (one Range filled whole first). */
async function markedEdge(script: readonly HeldAnswer[]) {
	const origin = heldOrigin([WHOLE, ...script]);
	const edge = makeEdge({ fetchOrigin: origin.fetchOrigin, maxObjectBytes: GATE_BYTES });
	const first = await edge.get("/video", { range: "bytes=0-9" });
	expect(await first.text()).toBe(FILE.slice(0, 10));
	await until("the key marked uncacheable", () => edge.lock.stats().uncacheableKeys === 1);
	return { ...edge, origin };
}

describe("concurrent requests for one range of a file over the size gate", () => {
	test("make one origin request; every client gets the range's bytes", async () => {
		const held = deferred();
		const { get, lock, origin } = await markedEdge([part(100, 299, held.promise)]);
		const responses = Array.from({ length: 20 }, () => get("/video", { range: "bytes=100-299" }));
		await origin.arrived(2);
		await until("19 waiters", () => lock.stats().waiting === 19);
		held.resolve();
		const all = await outcomes(responses);
		expect(all.map((o) => o.status)).toEqual(Array(20).fill(206));
		expect(all.every((o) => o.body === FILE.slice(100, 300))).toBe(true);
		expect(all.filter((o) => o.cacheStatus?.includes("collapsed"))).toHaveLength(19);
		expect(origin.seen).toHaveLength(2);
		expect(origin.seen[1]?.headers.get("range")).toBe("bytes=100-299");
		expect(lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0 });
		// The key itself stays marked: a range elsewhere still goes as sent, not as a whole fill.
		expect(lock.stats().uncacheableKeys).toBe(1);
	});

	test("requests for different ranges do not wait on each other", async () => {
		const held = deferred();
		const { get, lock, origin } = await markedEdge([
			part(100, 299, held.promise),
			part(1000, 1099, held.promise),
		]);
		const first = get("/video", { range: "bytes=100-299" });
		await origin.arrived(2);
		const other = get("/video", { range: "bytes=1000-1099" });
		await origin.arrived(3);
		expect(lock.stats().waiting).toBe(0);
		held.resolve();
		const [a, b] = await outcomes([first, other]);
		expect(a?.body).toBe(FILE.slice(100, 300));
		expect(b?.body).toBe(FILE.slice(1000, 1100));
	});

	test("a 206 that may not be stored sends the waiters to the origin themselves", async () => {
		const held = deferred();
		const { get, lock, origin } = await markedEdge([part(100, 299, held.promise, "no-store")]);
		const responses = Array.from({ length: 5 }, () => get("/video", { range: "bytes=100-299" }));
		await origin.arrived(2);
		await until("4 waiters", () => lock.stats().waiting === 4);
		held.resolve();
		const all = await outcomes(responses);
		expect(all.every((o) => o.status === 206 && o.body === FILE.slice(100, 300))).toBe(true);
		expect(all.some((o) => o.cacheStatus?.includes("collapsed"))).toBe(false);
		expect(origin.seen).toHaveLength(1 + 5);
		expect(lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0 });
	});

	test("the first client leaving does not leave its waiters without an answer", async () => {
		const held = deferred();
		const { app, get, lock, origin } = await markedEdge([part(100, 299, held.promise)]);
		const leaving = new AbortController();
		const first = app.fetch(
			new Request("http://cdn.test/video", {
				headers: { host: "cdn.test", range: "bytes=100-299" },
				signal: leaving.signal,
			}),
		);
		await origin.arrived(2);
		const waiter = get("/video", { range: "bytes=100-299" });
		await until("1 waiter", () => lock.stats().waiting === 1);
		leaving.abort();
		held.resolve();
		const [, served] = await outcomes([Promise.resolve(first), waiter]);
		expect(served?.status).toBe(206);
		expect(served?.body).toBe(FILE.slice(100, 300));
		expect(served?.cacheStatus).toContain("collapsed");
		expect(origin.seen).toHaveLength(2);
	});

	test("a request whose validators may settle its answer (a 304) goes alone, without holding the others", async () => {
		const revalidated = deferred();
		const fetched = deferred();
		const { get, lock, origin } = await markedEdge([
			{
				gate: revalidated.promise,
				answer: () => new Response(null, { status: 304, headers: { etag: '"v1"' } }),
			},
			part(100, 299, fetched.promise),
		]);
		const revalidating = get("/video", { range: "bytes=100-299", "if-none-match": '"v1"' });
		await origin.arrived(2);
		const plain = Array.from({ length: 4 }, () => get("/video", { range: "bytes=100-299" }));
		// The plain requests queue on one of their own, not on the revalidation: its 304 is
		// its client's answer alone, and would send each of them on to the origin after it.
		await until("one plain request at the origin, 3 waiting on it", () => {
			return origin.seen.length === 3 && lock.stats().waiting === 3;
		});
		revalidated.resolve();
		fetched.resolve();
		const [mine, ...theirs] = await outcomes([revalidating, ...plain]);
		expect(mine?.status).toBe(304);
		expect(theirs.every((o) => o.status === 206 && o.body === FILE.slice(100, 300))).toBe(true);
		expect(theirs.filter((o) => o.cacheStatus?.includes("collapsed"))).toHaveLength(3);
		expect(origin.seen[2]?.headers.get("if-none-match")).toBeNull();
		expect(lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0, uncacheableKeys: 1 });
	});

	test("an If-Range the origin finds stale does not stop the range's requests coalescing", async () => {
		const held = deferred();
		const { get, lock, origin } = await markedEdge([WHOLE, part(100, 299, held.promise)]);
		// The origin's answer to a stale If-Range is the whole file, over the gate: that says
		// nothing of whether the range's 206 may be stored.
		const resumed = await get("/video", { range: "bytes=100-299", "if-range": '"v0"' });
		expect(resumed.status).toBe(200);
		expect(await resumed.text()).toBe(FILE);
		expect(lock.stats().uncacheableKeys).toBe(1);
		const responses = Array.from({ length: 5 }, () => get("/video", { range: "bytes=100-299" }));
		await until("4 waiters", () => lock.stats().waiting === 4);
		held.resolve();
		const all = await outcomes(responses);
		expect(all.every((o) => o.status === 206 && o.body === FILE.slice(100, 300))).toBe(true);
		expect(all.filter((o) => o.cacheStatus?.includes("collapsed"))).toHaveLength(4);
		expect(origin.seen).toHaveLength(3);
	});

	test("a request that waited on the whole file's fill waits readerWaitMs in all, not again on its range", async () => {
		const wholeHeld = deferred();
		const partHeld = deferred();
		const origin = heldOrigin([
			{ gate: wholeHeld.promise, answer: WHOLE.answer },
			part(100, 299, partHeld.promise),
			part(100, 299),
		]);
		// The harness's reader wait is 5,000 ms.
		const { get, lock, timers } = makeEdge({
			fetchOrigin: origin.fetchOrigin,
			maxObjectBytes: GATE_BYTES,
		});
		const filling = get("/video", { range: "bytes=0-9" });
		await origin.arrived(1);
		const ranges = [
			get("/video", { range: "bytes=100-299" }),
			get("/video", { range: "bytes=100-299" }),
		];
		await until("2 waiters on the whole file", () => lock.stats().waiting === 2);
		timers.advance(4_000);
		// The whole file is over the gate: both waiters go on to the range's queue, one asks.
		wholeHeld.resolve();
		await origin.arrived(2);
		await until("1 waiter on the range", () => lock.stats().waiting === 1);
		timers.advance(999);
		expect(lock.stats().waiting).toBe(1);
		timers.advance(1); // 5,000 ms since it first queued: it goes to the origin itself
		await origin.arrived(3);
		partHeld.resolve();
		const all = await outcomes([filling, ...ranges]);
		expect(all.map((o) => o.body)).toEqual([
			FILE.slice(0, 10),
			FILE.slice(100, 300),
			FILE.slice(100, 300),
		]);
		expect(lock.stats()).toMatchObject({ waiting: 0, waitTimeouts: 1 });
	});
});
