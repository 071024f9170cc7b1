import { describe, expect, test } from "bun:test";
import { makeEdge, purgeThrough, settle } from "./edge-harness.ts";
import { deferred, fresh, heldOrigin, outcomes, until } from "./held-origin.ts";

describe("a key that once could not be stored", () => {
	test("a 503 is not remembered: the next response is stored and served as hits", async () => {
		const origin = heldOrigin([
			{ answer: () => new Response("down", { status: 503 }) },
			{ answer: () => fresh("back", "max-age=300") },
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		expect((await get("/k")).status).toBe(503);
		const recovered = await get("/k");
		expect(await recovered.text()).toBe("back");
		await settle();
		for (let i = 0; i < 5; i++)
			expect((await get("/k")).headers.get("cache-status")).toMatch(/^NeuroCache;hit/);
		expect(origin.seen).toHaveLength(2);
		expect(lock.stats().uncacheableKeys).toBe(0);
	});

	test("no-store is remembered, but the first storable answer after it is stored and ends that", async () => {
		const origin = heldOrigin([
			{ answer: () => fresh("private", "no-store") },
			{ answer: () => fresh("public", "max-age=300") },
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		await (await get("/k")).text();
		expect(lock.stats().uncacheableKeys).toBe(1);
		// Remembered uncacheable: this request queues behind no one, and may still store.
		const next = await get("/k");
		expect(await next.text()).toBe("public");
		await settle();
		expect(lock.stats().uncacheableKeys).toBe(0);
		expect((await get("/k")).headers.get("cache-status")).toMatch(/^NeuroCache;hit/);
		// Concurrent misses on it coalesce again.
		expect(origin.seen).toHaveLength(2);
	});

	test("waiters sent forward by an uncacheable answer may store what they get", async () => {
		const firstGate = deferred();
		const origin = heldOrigin([
			{ gate: firstGate.promise, answer: () => fresh("private", "private") },
			{ answer: () => fresh("public", "max-age=300") },
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		const writer = get("/k");
		const waiter = get("/k");
		await until("1 waiter", () => lock.stats().waiting === 1);
		firstGate.resolve();
		expect(await (await writer).text()).toBe("private");
		expect(await (await waiter).text()).toBe("public");
		await settle();
		expect(lock.stats().uncacheableKeys).toBe(0);
		expect((await get("/k")).headers.get("cache-status")).toMatch(/^NeuroCache;hit/);
		expect(origin.seen).toHaveLength(2);
	});
});

describe("a key whose object is over the size gate", () => {
	test("is remembered, and Range requests on it then go to the origin as the client sent them", async () => {
		const size = 2 << 20;
		const seenRanges: (string | null)[] = [];
		const { get, lock } = makeEdge({
			fetchOrigin: async (request) => {
				const range = request.headers.get("range");
				seenRanges.push(range);
				if (range === "bytes=0-9")
					return new Response("0123456789", {
						status: 206,
						headers: { "content-range": `bytes 0-9/${size}`, "cache-control": "max-age=60" },
					});
				return new Response(new Uint8Array(size), {
					headers: { "content-length": String(size), "cache-control": "max-age=60" },
				});
			},
		});
		// The first asks for the whole (a fill), learns it is too large, and cuts the range.
		const first = await get("/video", { range: "bytes=0-9" });
		expect(first.status).toBe(206);
		expect((await first.arrayBuffer()).byteLength).toBe(10);
		await settle();
		expect(lock.stats().uncacheableKeys).toBe(1);
		// The next ones pass the Range on: the origin sends ten bytes, not two megabytes.
		const second = await get("/video", { range: "bytes=0-9" });
		expect(second.status).toBe(206);
		expect(await second.text()).toBe("0123456789");
		expect(seenRanges).toEqual([null, "bytes=0-9"]);
	});
});

describe("a purge and the keys remembered uncacheable", () => {
	const purge = purgeThrough;

	test.each([
		["its URL", { url: "http://cdn.test/k" }],
		["a prefix over it", { prefix: "http://cdn.test/" }],
		// A marked key has nothing stored, so no tags: a tag purge forgets every mark.
		["any tag", { tag: "news" }],
	])("a purge by %s forgets the mark: concurrent misses coalesce again", async (_name, body) => {
		const gate = deferred();
		const origin = heldOrigin([
			{ answer: () => fresh("private", "no-store") },
			{ gate: gate.promise, answer: () => fresh("public", "max-age=300") },
		]);
		const { app, get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		await (await get("/k")).text();
		expect(lock.stats().uncacheableKeys).toBe(1);
		expect((await purge(app, body)).status).toBe(200);
		expect(lock.stats().uncacheableKeys).toBe(0);
		const responses = Array.from({ length: 10 }, () => get("/k"));
		await until("9 waiters", () => lock.stats().waiting === 9);
		gate.resolve();
		expect((await outcomes(responses)).every((o) => o.body === "public")).toBe(true);
		expect(origin.seen).toHaveLength(2);
	});

	test("purges that arrive another way (replicated) forget marks as /_neuro/purge does", async () => {
		const marked = async () => {
			const origin = heldOrigin([{ answer: () => fresh("private", "no-store") }]);
			const made = makeEdge({ fetchOrigin: origin.fetchOrigin });
			await (await made.get("/k")).text();
			expect(made.lock.stats().uncacheableKeys).toBe(1);
			return made;
		};
		const byUrl = await marked();
		await byUrl.edge.purge({ url: "http://cdn.test/k" });
		expect(byUrl.lock.stats().uncacheableKeys).toBe(0);
		const everything = await marked();
		await everything.edge.purgeEverything();
		expect(everything.lock.stats().uncacheableKeys).toBe(0);
	});
});
